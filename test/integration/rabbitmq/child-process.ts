import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { launch, ROOT } from '../../support/processes.js';

export interface Child {
  readonly proc: ChildProcess;
  /** Resolves with the first stdout line starting with `prefix` (seen before or after the call). */
  waitForLine(prefix: string, timeoutMs?: number): Promise<string>;
  /** SIGKILL, then waits for the process to be gone. */
  kill(): Promise<void>;
}

/** Runs a TypeScript file of this folder in its own Node process (through tsx), to be killed. */
export function spawnChild(file: string, env: Record<string, string>): Child {
  const launched = launch(path.relative(ROOT, path.join(import.meta.dirname, file)), [], {
    ...process.env,
    ...env,
  });
  const proc = launched.child;
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const w of waiters) w();
  });
  const tail = () => launched.output().slice(-4_000);

  return {
    proc,
    waitForLine(prefix, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find((l) => l.startsWith(prefix));
          if (found !== undefined) done(() => resolve(found));
          else if (proc.exitCode !== null)
            done(() => reject(new Error(`child exited before "${prefix}": ${tail()}`)));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`no "${prefix}" from the child in ${timeoutMs} ms: ${tail()}`))),
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
      await launched.exited;
    },
  };
}
