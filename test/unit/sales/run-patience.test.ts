import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError, type DependencyFailure } from '#platform/http/problem.js';
import { isPassing, patiently } from '#platform/retry/patience.js';

const unavailable = (
  reason: DependencyFailure,
  opts: { upstreamStatus?: number; retryAfterMs?: number } = {},
) => new DependencyUnavailableError('community', reason, `community: ${reason}`, opts);

/** A call that fails with `failures` in turn, then answers 'page'. */
function scripted(failures: Error[]) {
  let calls = 0;
  return {
    calls: () => calls,
    call: async () => {
      calls += 1;
      const failure = failures[calls - 1];
      if (failure) throw failure;
      return 'page';
    },
  };
}

describe('a run riding over an unavailable dependency', () => {
  it('waits out an open circuit for as long as it says, then goes on with the page', async () => {
    const target = scripted([
      unavailable('circuit-open', { retryAfterMs: 30 }),
      unavailable('circuit-open', { retryAfterMs: 10 }),
    ]);
    const waits: number[] = [];
    const started = performance.now();
    const page = await patiently(target.call, { deadlineMs: 5_000, onWait: (_e, ms) => void waits.push(ms) });
    expect(page).toBe('page');
    expect(target.calls()).toBe(3);
    expect(waits).toEqual([30, 10]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(38);
  });

  it('fails with the last error once the deadline has passed, not before', async () => {
    const failures = Array.from({ length: 1000 }, () => unavailable('timeout', { retryAfterMs: 15 }));
    const target = scripted(failures);
    const started = performance.now();
    const err = await patiently(target.call, { deadlineMs: 100 }).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(DependencyUnavailableError);
    expect((err as DependencyUnavailableError).reason).toBe('timeout');
    expect(elapsed).toBeGreaterThanOrEqual(98);
    expect(target.calls()).toBeGreaterThanOrEqual(5);
  });

  it('does not wait for what waiting cannot change: a 4xx, a malformed answer, a bug', async () => {
    for (const err of [
      unavailable('status', { upstreamStatus: 403 }),
      unavailable('invalid-response'),
      new TypeError('bug'),
    ]) {
      const target = scripted([err]);
      await expect(patiently(target.call, { deadlineMs: 5_000 })).rejects.toBe(err);
      expect(target.calls()).toBe(1);
    }
    expect(isPassing(unavailable('status', { upstreamStatus: 503 }))).toBe(true);
    expect(isPassing(unavailable('status', { upstreamStatus: 429 }))).toBe(true);
    expect(isPassing(unavailable('network'))).toBe(true);
    expect(isPassing(unavailable('bulkhead-full'))).toBe(true);
  });

  it('stops waiting when told to (the run was taken over), with the reason given', async () => {
    const target = scripted([unavailable('circuit-open', { retryAfterMs: 60_000 })]);
    const stop = new AbortController();
    const taken = new Error('taken over');
    const result = patiently(target.call, {
      deadlineMs: 120_000,
      signal: stop.signal,
      onWait: () => stop.abort(taken),
    });
    await expect(result).rejects.toBe(taken);
    expect(target.calls()).toBe(1);
  });
});
