import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

const root = path.resolve(import.meta.dirname, '../../..');

export interface Child {
  readonly proc: ChildProcess;
  /** Resolves with the first stdout line starting with `prefix` (seen before or after the call). */
  waitForLine(prefix: string, timeoutMs?: number): Promise<string>;
  /** SIGKILL, then waits for the process to be gone. */
  kill(): Promise<void>;
}

/** Runs a TypeScript file of this folder in its own Node process (through tsx), to be killed. */
export function spawnChild(file: string, env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, file)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const w of waiters) w();
  });
  let stderr = '';
  proc.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));

  return {
    proc,
    waitForLine(prefix, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find((l) => l.startsWith(prefix));
          if (found !== undefined) done(() => resolve(found));
          else if (proc.exitCode !== null)
            done(() => reject(new Error(`child exited before "${prefix}": ${stderr}`)));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`no "${prefix}" from the child in ${timeoutMs} ms: ${stderr}`))),
          timeoutMs,
        );
        const onExit = () => check();
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          proc.off('exit', onExit);
          settle();
        };
        waiters.add(check);
        proc.on('exit', onExit);
        check();
      });
    },
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}
