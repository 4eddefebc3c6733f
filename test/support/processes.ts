import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { SERVICE_NAMES } from '#contracts/services.js';
import { freePort } from '../harness/ports.js';
import { sleep } from './wait.js';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface Launched {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

export interface LaunchOptions {
  /** Node flags ahead of the loader, e.g. `--cpu-prof` to profile the process. */
  nodeArgs?: string[];
  /**
   * 'capture' (the default) keeps everything the process prints for `output()`; 'stderr' drops its
   * stdout and passes its stderr through to ours, so a long benchmark run holds none of it in memory.
   */
  stdio?: 'capture' | 'stderr';
}

/**
 * Runs one of the project's entry points (`bin/*.ts`) as its own process, as `npm start` does:
 * node with tsx as a loader, so signals reach the program itself (the tsx CLI relays them with a
 * timing window that a loaded machine can miss).
 */
export function launch(
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
  { nodeArgs = [], stdio = 'capture' }: LaunchOptions = {},
): Launched {
  return watch(
    spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(ROOT, script), ...args], {
      cwd: ROOT,
      env,
      stdio: stdio === 'capture' ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'ignore', 'inherit'],
    }),
  );
}

/** `npm run <script> -- <args>` in the project, as a user types it (npm, then `sh`, then node). */
export function launchNpmScript(
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
): Launched {
  return watch(
    spawn('npm', ['run', script, '--', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
}

/** Tracks a started process for `waitReady` and `terminate`; `output()` holds what it printed to pipes. */
export function watch(child: ChildProcess): Launched {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** `<NAME>_PORT` for every service on free loopback ports, and their base URLs. */
export async function freeServicePorts(): Promise<{
  env: Record<string, string>;
  urls: Record<string, string>;
}> {
  const env: Record<string, string> = {};
  const urls: Record<string, string> = {};
  for (const name of SERVICE_NAMES) {
    const port = await freePort();
    env[`${name.toUpperCase()}_PORT`] = String(port);
    urls[name] = `http://127.0.0.1:${port}`;
  }
  return { env, urls };
}

/**
 * Waits until `GET url/health/ready` answers 200, or fails with what the process printed. A
 * benchmark timing the start passes a shorter `pollMs`: the poll is the resolution of its reading.
 */
export async function waitReady(
  url: string,
  proc: Launched,
  timeoutMs = 90_000,
  pollMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null)
      throw new Error(`exited (${proc.child.exitCode}) before ready:\n${proc.output()}`);
    const ok = await fetch(`${url}/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} not ready in ${timeoutMs} ms:\n${proc.output()}`);
    await sleep(pollMs);
  }
}

export async function terminate(proc: Launched, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (proc.child.exitCode !== null) return proc.child.exitCode;
  proc.child.kill(signal);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 30_000);
  const code = await proc.exited;
  clearTimeout(timer);
  return code;
}
