/**
 * A job's retry ladder: the delay before retry 1, 2, 3... pg-boss itself only knows one delay per
 * job (fixed or exponential), so the queue runs with `retryLimit = ladder length` and, before each
 * attempt, the job's delay is set to the step that applies if that attempt fails.
 */
export interface RetryLadder {
  /** How many retries after the first attempt. */
  readonly retryLimit: number;
  /** Whole seconds (pg-boss stores delays as integer seconds). */
  readonly delays: readonly number[];
}

export function retryLadder(delaysSeconds: readonly number[]): RetryLadder {
  const delays = delaysSeconds.map((d) => {
    if (!Number.isFinite(d) || d < 0)
      throw new Error(`retry delay ${d} s: expected a number of seconds >= 0`);
    return Math.ceil(d);
  });
  return { retryLimit: delays.length, delays };
}

/** Seconds to wait before the next attempt if attempt `attempt` (1-based) fails; null: no more tries. */
export function delayAfterFailedAttempt(ladder: RetryLadder, attempt: number): number | null {
  return ladder.delays[attempt - 1] ?? null;
}
