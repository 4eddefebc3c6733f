import type { Logger } from 'pino';

/**
 * Runs the work a transaction registered for after its commit. The commit already happened, so a
 * failing callback must not make the caller believe the transaction failed: it is logged instead.
 */
export function runAfterCommit(callbacks: ReadonlyArray<() => void>, log?: Logger): void {
  for (const callback of callbacks) {
    try {
      callback();
    } catch (err) {
      log?.error({ err }, 'afterCommit callback failed (the transaction is committed)');
    }
  }
}
