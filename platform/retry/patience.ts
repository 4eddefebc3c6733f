import { setTimeout as sleep } from 'node:timers/promises';
import { DependencyUnavailableError } from '#platform/http/problem.js';

/**
 * A dependency that cannot serve now but may in a moment: its circuit is open, its bulkhead full,
 * it timed out, could not be reached or answered 408, 429 or 5xx. A 4xx or a malformed answer is
 * not passing: waiting would not change it.
 */
export function isPassing(err: unknown): err is DependencyUnavailableError {
  if (!(err instanceof DependencyUnavailableError)) return false;
  if (err.reason === 'invalid-response') return false;
  if (err.reason !== 'status') return true;
  const status = err.problem.upstreamStatus;
  return typeof status !== 'number' || status === 408 || status === 429 || status >= 500;
}

export interface Patience {
  /** How long one call may keep finding its dependency unavailable before the failure stands. */
  deadlineMs: number;
  /** Told before each wait (the run records it, so an operator sees what it is waiting for). */
  onWait?(err: DependencyUnavailableError, waitMs: number, giveUpAt: Date): Promise<void> | void;
  /** Aborted when the wait is pointless (the run was taken over): the call rejects with the reason. */
  signal?: AbortSignal;
}

/** Pause before the next try when the failure does not say when to come back: 1, 2, 4, 8, then 15 s. */
const pauseAfter = (tries: number) => Math.min(15_000, 1_000 * 2 ** (tries - 1));

/**
 * Calls `call` until it succeeds, riding over a passing unavailability of its dependency (the
 * client's own retries are spent by then): it waits as long as the failure asks (an open circuit:
 * the rest of its open time, after which the breaker lets a trial call through), else a growing
 * pause, and tries again. Once `deadlineMs` have passed since the first failure, one more failure
 * stands and is thrown. Any other error is thrown at once.
 */
export async function patiently<T>(call: () => Promise<T>, patience: Patience): Promise<T> {
  let giveUpAt: number | undefined;
  for (let tries = 1; ; tries += 1) {
    try {
      return await call();
    } catch (err) {
      if (!isPassing(err)) throw err;
      giveUpAt ??= Date.now() + patience.deadlineMs;
      const left = giveUpAt - Date.now();
      if (left <= 0) throw err;
      const waitMs = Math.min(left, Math.max(1, err.retryAfterMs ?? pauseAfter(tries)));
      await patience.onWait?.(err, waitMs, new Date(giveUpAt));
      await sleep(waitMs, undefined, patience.signal ? { signal: patience.signal } : {}).catch(() => {
        throw patience.signal?.reason ?? err;
      });
    }
  }
}
