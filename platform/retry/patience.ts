import { handleWhen, retry, type IBackoffFactory, type IRetryBackoffContext } from 'cockatiel';
import { DependencyUnavailableError } from '../http/problem.js';

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
  /** Told before each wait (a run records it, so an operator sees what it is waiting for). */
  onWait?(err: DependencyUnavailableError, waitMs: number, giveUpAt: Date): Promise<void> | void;
  /** Aborted when the wait is pointless (the work was taken over): the call rejects with the reason. */
  signal?: AbortSignal;
}

/** Pause before the next try when the failure does not say when to come back: 1, 2, 4, 8, then 15 s. */
const pauseAfter = (tries: number) => Math.min(15_000, 1_000 * 2 ** (tries - 1));

/**
 * Calls `call` until it succeeds, riding over a passing unavailability of its dependency (the
 * client's own retries are spent by then): a cockatiel retry that waits as long as the failure
 * asks (an open circuit: the rest of its open time, after which the breaker lets a trial call
 * through), else a growing pause. Once `deadlineMs` have passed since the first failure, one more
 * failure stands and is thrown. Any other error is thrown at once.
 */
export function patiently<T>(call: () => Promise<T>, patience: Patience): Promise<T> {
  let giveUpAt: number | undefined;
  const left = () => (giveUpAt ??= Date.now() + patience.deadlineMs) - Date.now();
  const waitFor: IBackoffFactory<IRetryBackoffContext<unknown>> = {
    next: (ctx) => {
      const err = 'error' in ctx.result ? (ctx.result.error as DependencyUnavailableError) : undefined;
      return {
        duration: Math.min(left(), Math.max(1, err?.retryAfterMs ?? pauseAfter(ctx.attempt))),
        ...waitFor,
      };
    },
  };
  const policy = retry(
    handleWhen((err) => isPassing(err) && left() > 0),
    { maxAttempts: Infinity, backoff: waitFor },
  ).dangerouslyUnref(); // a wait cut short by the signal must not hold the process open
  policy.onRetry((e) => {
    if (!('error' in e) || !isPassing(e.error)) return;
    void Promise.resolve(patience.onWait?.(e.error, e.delay, new Date(giveUpAt!))).catch(() => undefined);
  });
  const { signal } = patience;
  const calls = policy.execute(() => {
    signal?.throwIfAborted(); // the wait outlived the work: no further call
    return call();
  });
  if (!signal) return calls;
  // The wait is cut short the moment the signal aborts, with its reason.
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) abort();
    signal.addEventListener('abort', abort, { once: true });
    calls.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
