import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  TaskCancelledError,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
  type CircuitBreakerPolicy,
  type IPolicy,
  type IRetryBackoffContext,
} from 'cockatiel';
import { ladder } from '../retry/backoff.js';
import { retryAfterMs } from './retry-after.js';

/**
 * The numbers of the resilient client. Defaults are the design's: 10 s per attempt; 3 retries
 * after 2, 4 and 8 s; the breaker opens after 5 consecutive failures for 30 s; at most 64 calls
 * in progress per target and 256 waiting. Tests scale them down to milliseconds.
 */
export interface ResilienceOptions {
  timeoutMs: number;
  /** One delay per retry: its length is the number of retries. */
  retryDelaysMs: number[];
  breakerThreshold: number;
  breakerOpenMs: number;
  bulkheadLimit: number;
  bulkheadQueue: number;
}

export const DEFAULT_RESILIENCE: ResilienceOptions = {
  timeoutMs: 10_000,
  retryDelaysMs: [2_000, 4_000, 8_000],
  breakerThreshold: 5,
  breakerOpenMs: 30_000,
  bulkheadLimit: 64,
  bulkheadQueue: 256,
};

/** What one attempt produced, read in full (so a retry never leaves a response body half-read). */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** Statuses that mean "the target could not serve this now": retried, and counted by the breaker. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** The wait a response's `Retry-After` asks for, in ms (undefined: none given). */
export const requestedWaitMs = (response: RawResponse): number | undefined =>
  retryAfterMs(response.headers['retry-after']);

/**
 * A target's `Retry-After` lengthens a step of the ladder: retrying sooner than asked would only
 * meet the same refusal and count against the breaker again.
 */
const askedFor = (ctx: IRetryBackoffContext<unknown>) =>
  'value' in ctx.result ? requestedWaitMs(ctx.result.value as RawResponse) : undefined;

const isOurRefusal = (err: Error) =>
  err instanceof BrokenCircuitError || err instanceof BulkheadRejectedError;

export const BREAKER_STATE_VALUE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
};

export const BREAKER_STATE_NAME: Record<CircuitState, 'closed' | 'half-open' | 'open'> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'open',
};

export interface TargetPolicies {
  /** For idempotent calls: retried. */
  retrying: IPolicy;
  /** For the rest (a POST without an idempotency key): one attempt. */
  single: IPolicy;
  breaker: CircuitBreakerPolicy;
  /** How long the open breaker still refuses calls before it lets one through (0 when not open). */
  reopensInMs(): number;
  onRetry(listener: (e: { attempt: number; delay: number; reason: string }) => void): void;
}

/**
 * Bulkhead outermost (a call holds its slot through its retries, so a slow target cannot tie up
 * more than its share), then retry, then the breaker (every attempt counts), then the timeout of
 * one attempt. A 4xx answer, 404 included, is an answer: neither retried nor a breaker failure.
 * A timed-out attempt is not retried either: the caller answers 503 at once.
 * A transient answer whose `Retry-After` asks for more than the ladder's longest step is not
 * retried: the caller fails at once and passes the wait on, instead of holding its request open.
 */
export function buildPolicies(o: ResilienceOptions): TargetPolicies {
  const failed = handleWhen((err) => !isOurRefusal(err)).orWhenResult((r) =>
    isTransientStatus((r as RawResponse).status),
  );
  const longestStepMs = Math.max(...o.retryDelaysMs);
  const retryable = handleWhen(
    (err) => !isOurRefusal(err) && !(err instanceof TaskCancelledError),
  ).orWhenResult((r) => {
    const response = r as RawResponse;
    return isTransientStatus(response.status) && (requestedWaitMs(response) ?? 0) <= longestStepMs;
  });

  const limiter = bulkhead(o.bulkheadLimit, o.bulkheadQueue);
  const breaker = circuitBreaker(failed, {
    halfOpenAfter: o.breakerOpenMs,
    breaker: new ConsecutiveBreaker(o.breakerThreshold),
  });
  let openedAt = 0;
  breaker.onBreak(() => {
    openedAt = Date.now();
  });
  // abortOnReturn off: the attempt has read its whole answer by then, and aborting a finished
  // call costs an AbortError with a stack trace, a good share of the client's time per call.
  const attemptTimeout = timeout(o.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
  const retries = retry(retryable, {
    maxAttempts: o.retryDelaysMs.length,
    backoff: ladder(o.retryDelaysMs, askedFor),
  });
  return {
    retrying: wrap(limiter, retries, breaker, attemptTimeout),
    single: wrap(limiter, breaker, attemptTimeout),
    breaker,
    reopensInMs: () =>
      breaker.state === CircuitState.Open ? Math.max(0, openedAt + o.breakerOpenMs - Date.now()) : 0,
    onRetry(listener) {
      retries.onRetry((e) => {
        const reason = 'error' in e ? e.error.message : `status ${(e.value as RawResponse).status}`;
        listener({ attempt: e.attempt, delay: e.delay, reason });
      });
    },
  };
}
