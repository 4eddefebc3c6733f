import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, failure, gaps, setUp } from './client-kit.js';

afterEach(closeAll);

/*
 * A target that answers 429 or 503 with Retry-After says when to come back. The client waits at
 * least that long before its next attempt, and when the wait is longer than its longest retry
 * step it does not hold the caller's request open: it fails at once and passes the wait on.
 */
describe('resilient HTTP client and Retry-After', () => {
  it("waits out the target's Retry-After before retrying when the ladder allows that long", async () => {
    const { upstream, client } = await setUp({ retryDelaysMs: [20, 40, 1_500] });
    upstream.script({ status: 429, headers: { 'retry-after': '1' } }, { status: 200, body: { ok: true } });

    const answer = await client.get('common', '/api/customers/1');

    expect(answer.status).toBe(200);
    expect(upstream.received).toHaveLength(2);
    // 20 ms by the ladder alone; the target asked for a second.
    expect(gaps(upstream)[0]).toBeGreaterThanOrEqual(1_000 - 2);
  });

  it('fails at once, passing the wait on, when the target asks for longer than the longest step', async () => {
    const { upstream, client } = await setUp({ retryDelaysMs: [20, 40, 80] });
    upstream.script({ status: 503, headers: { 'retry-after': '30' } });

    const err = await failure(client.get('common', '/api/customers/1'));

    expect(upstream.received).toHaveLength(1);
    expect(err.problem).toMatchObject({ status: 503, dependency: 'common', upstreamStatus: 503 });
    expect(err.headers['retry-after']).toBe('30');
  });

  it('reads an HTTP-date too, and retries as usual when the target gives no Retry-After', async () => {
    const { upstream, client } = await setUp({ retryDelaysMs: [20, 40, 80] });
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    upstream.script({ status: 503, headers: { 'retry-after': inAMinute } });
    const err = await failure(client.get('common', '/a'));
    expect(upstream.received).toHaveLength(1);
    expect(Number(err.headers['retry-after'])).toBeGreaterThanOrEqual(58);
    expect(Number(err.headers['retry-after'])).toBeLessThanOrEqual(60);

    upstream.script({ status: 503 }, { status: 503 }, { status: 200, body: { ok: true } });
    expect((await client.get('common', '/b')).status).toBe(200);
    expect(upstream.received).toHaveLength(4);
  });
});
