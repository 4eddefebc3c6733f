import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Throwaway servers must die with the process that started them, even when a test run crashes.
 * Two layers: synchronous handlers on exit/SIGINT/SIGTERM/SIGHUP, and a detached watchdog shell
 * that cleans up when the owner disappears without running them (SIGKILL, OOM).
 */
type Cleanup = () => void;

const cleanups = new Set<Cleanup>();
let installed = false;
const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

function runAll(): void {
  for (const fn of [...cleanups].reverse()) {
    cleanups.delete(fn);
    try {
      fn();
    } catch {
      // Best effort: one failing cleanup must not keep the others from running.
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const signal of Object.keys(SIGNAL_NUMBERS) as (keyof typeof SIGNAL_NUMBERS)[]) {
    process.on(signal, () => {
      runAll();
      // Exit ourselves only when nobody else (e.g. the test runner) handles the signal.
      if (process.listenerCount(signal) === 1) process.exit(128 + SIGNAL_NUMBERS[signal]);
    });
  }
}

/** Registers a synchronous cleanup for process exit; returns a function that unregisters it. */
export function onProcessExit(fn: Cleanup): () => void {
  install();
  cleanups.add(fn);
  return () => {
    cleanups.delete(fn);
  };
}

/**
 * Starts a detached shell that runs `script` once process `ownerPid` is gone. Returns a function
 * that stops the watchdog (call it after a normal cleanup, so it never acts on a stale pid).
 */
export function startWatchdog(ownerPid: number, script: string): () => void {
  const loop = `while kill -0 ${ownerPid} 2>/dev/null; do sleep 1; done; ${script}`;
  const child = spawn('sh', ['-c', loop], { detached: true, stdio: 'ignore' });
  child.unref();
  return () => {
    try {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
}

/** True while `pid` names a live process; a zombie (dead, not yet reaped) counts as dead. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Every process below `pid`, at any depth (npm starts `sh`, which starts node). */
export function descendantsOf(pid: number): number[] {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  for (let frontier = [pid]; frontier.length > 0;) {
    const children = table.filter(([, ppid]) => frontier.includes(ppid)).map(([child]) => child);
    found.push(...children);
    frontier = children;
  }
  return found;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `pid` has exited, up to `timeoutMs`; returns whether it did. */
export async function waitForExit(pid: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}
