import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_JOB_RETRY_DELAYS_SECONDS } from '#platform/jobs/jobs.js';
import { delayAfterFailedAttempt, retryLadder } from '#platform/jobs/retry-ladder.js';

describe('retry ladder', () => {
  it('the default ladder retries after 60 s, 300 s, 900 s, then gives up', () => {
    const ladder = retryLadder(DEFAULT_JOB_RETRY_DELAYS_SECONDS);
    expect(ladder.retryLimit).toBe(3);
    expect([1, 2, 3, 4].map((attempt) => delayAfterFailedAttempt(ladder, attempt))).toEqual([
      60,
      300,
      900,
      null,
    ]);
  });

  it('an empty ladder means the first failure is final', () => {
    const ladder = retryLadder([]);
    expect(ladder.retryLimit).toBe(0);
    expect(delayAfterFailedAttempt(ladder, 1)).toBeNull();
  });

  it('rounds fractions of a second up (pg-boss keeps whole seconds) and refuses negative delays', () => {
    expect(retryLadder([0.2, 1.5, 0]).delays).toEqual([1, 2, 0]);
    expect(() => retryLadder([5, -1])).toThrow('-1');
    expect(() => retryLadder([Number.NaN])).toThrow();
  });

  it('gives one delay per retry and none after the last, for any ladder', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100_000 }), { maxLength: 10 }), (delays) => {
        const ladder = retryLadder(delays);
        expect(ladder.retryLimit).toBe(delays.length);
        delays.forEach((d, i) => expect(delayAfterFailedAttempt(ladder, i + 1)).toBe(d));
        expect(delayAfterFailedAttempt(ladder, delays.length + 1)).toBeNull();
      }),
    );
  });
});
