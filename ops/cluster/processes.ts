import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isAlive, sleep, waitForExit } from '../../test/harness/process-cleanup.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * Starts one of the project's entry points as a process of its own group, writing to a log file:
 * it outlives a launcher started with `--detach`, and a Ctrl-C in the launcher's terminal reaches
 * the launcher only, which then stops everything in order.
 */
export function startNodeProcess(
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
  logFile: string,
): number {
  mkdirSync(join(logFile, '..'), { recursive: true });
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script), ...args], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  child.unref();
  if (child.pid === undefined) throw new Error(`${script} did not start`);
  return child.pid;
}

/** SIGTERM (a clean stop), then SIGKILL for what is still there after `graceMs`; resolves when all are gone. */
export async function stopProcesses(pids: readonly number[], graceMs = 20_000): Promise<number[]> {
  const alive = pids.filter((pid) => isAlive(pid));
  for (const pid of alive) signal(pid, 'SIGTERM');
  const stuck: number[] = [];
  await Promise.all(
    alive.map(async (pid) => {
      if (await waitForExit(pid, graceMs)) return;
      signal(pid, 'SIGKILL');
      if (!(await waitForExit(pid, 10_000))) stuck.push(pid);
    }),
  );
  return stuck;
}

/** Sends a signal to a process and its group (a detached child leads its own group). */
export function signal(pid: number, sig: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, sig);
    } catch {
      // Gone already, or not a group leader.
    }
  }
}

/** Polls `GET url` until it answers 200, or fails naming what did not come up. */
export async function waitHttpOk(
  url: string,
  what: string,
  timeoutMs: number,
  stillRunning: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!stillRunning()) throw new Error(`${what} exited before it was ready`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(5_000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} was not ready within ${timeoutMs / 1000} s (${url})`);
    await sleep(250);
  }
}

/** The last `lines` lines of a log file ('' when it is not there), to put in an error that names it. */
export function logTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export { isAlive };
