import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { cachedServiceTokens } from '#platform/auth/service-tokens.js';
import { createHttpApp } from '#platform/http/app.js';
import { createHttpClient } from '#platform/http/client.js';
import { DependencyUnavailableError, PROBLEM_TYPES } from '#platform/http/problem.js';
import { runWithContext } from '#platform/observability/context.js';
import { createLogger } from '#platform/observability/logger.js';
import { FAST, cleanup, closeAll, failure, firstCallThrough, gaps, setUp } from './client-kit.js';
import { listen, logSink, metricValue, uniqueService } from './observe.js';

afterEach(closeAll);

describe('resilient HTTP client', () => {
  it('retries a transient failure and returns the answer that follows', async () => {
    const { upstream, client, service } = await setUp();
    upstream.script({ status: 503 }, { status: 502 }, { status: 200, body: { id: 'c1', balance: '10.00' } });

    const answer = await client.get('common', '/api/customers/{id}', {
      params: { id: 'c 1/x' },
      schema: z.object({ id: z.string(), balance: z.string() }),
    });

    expect(answer.status).toBe(200);
    expect(answer.body.balance).toBe('10.00');
    expect(upstream.received).toHaveLength(3);
    expect(upstream.received[0]!.url).toBe('/api/customers/c%201%2Fx');
    expect(await metricValue('dhanman_http_client_retries_total', { service, target: 'common' })).toBe(2);
    expect(
      await metricValue('dhanman_http_client_request_duration_seconds', {
        service,
        target: 'common',
        outcome: 'success',
      }),
    ).toBe(1);
  });

  it('gives up after 3 retries spaced by the configured backoff, then fails as dependency-unavailable', async () => {
    const { upstream, client, service } = await setUp();
    upstream.fallback = { status: 500 };

    const err = await failure(client.get('common', '/api/customers/1'));

    expect(upstream.received).toHaveLength(4);
    const measured = gaps(upstream);
    [60, 120, 240].forEach((delay, i) => {
      expect(measured[i]).toBeGreaterThanOrEqual(delay - 2);
      expect(measured[i]).toBeLessThan(delay + 100);
    });
    expect(err.status).toBe(503);
    expect(err.problem).toMatchObject({
      type: PROBLEM_TYPES.dependencyUnavailable,
      dependency: 'common',
      reason: 'status',
    });
    expect(err.problem.upstreamStatus).toBe(500);
    expect(
      await metricValue('dhanman_http_client_request_duration_seconds', {
        service,
        target: 'common',
        outcome: 'server-error',
      }),
    ).toBe(1);
  });

  it('retries 408 and 429 and network errors, but not other 4xx', async () => {
    const { upstream, client } = await setUp({ retryDelaysMs: [5, 5, 5] });
    upstream.script({ status: 408 }, { status: 429 }, { status: 200, body: {} });
    expect((await client.get('common', '/a')).status).toBe(200);
    expect(upstream.received).toHaveLength(3);

    upstream.script({ status: 400, body: { type: 'x' } });
    const answer = await client.get('common', '/b');
    expect(answer.status).toBe(400);
    expect(upstream.received).toHaveLength(4);

    const dead = createHttpClient({
      service: uniqueService('client'),
      targets: { nowhere: { baseUrl: 'http://127.0.0.1:1' } },
      resilience: { ...FAST, retryDelaysMs: [5, 5] },
    });
    cleanup.push(() => dead.close());
    const err = await failure(dead.get('nowhere', '/'));
    expect(err.reason).toBe('network');
  });

  it('does not retry a POST without an idempotency key, and retries one with a key', async () => {
    const { upstream, client } = await setUp({ retryDelaysMs: [5, 5, 5] });
    upstream.script({ status: 503 });
    const err = await failure(
      client.post('common', '/api/customers/1/update-balance', { amountDelta: '5.00' }),
    );
    expect(err.reason).toBe('status');
    expect(upstream.received).toHaveLength(1);

    upstream.script({ status: 503 }, { status: 500 }, { status: 201, body: { id: 'n' } });
    const answer = await client.post('common', '/api/things', { name: 'x' }, { idempotencyKey: 'key-1' });
    expect(answer.status).toBe(201);
    expect(upstream.received).toHaveLength(4);
    expect(upstream.received.slice(1).map((r) => r.headers['idempotency-key'])).toEqual([
      'key-1',
      'key-1',
      'key-1',
    ]);
    expect(JSON.parse(upstream.received[3]!.body)).toEqual({ name: 'x' });
  });

  it('opens the breaker after 5 consecutive failures, refuses at once while open, then half-opens and closes', async () => {
    const { upstream, client, service } = await setUp({ retryDelaysMs: [] });
    upstream.fallback = { status: 500 };
    for (let i = 0; i < 4; i++) expect((await failure(client.get('common', '/x'))).reason).toBe('status');
    // The breaker opens during the fifth failing call: not before this moment.
    const opening = performance.now();
    expect((await failure(client.get('common', '/x'))).reason).toBe('status');
    expect(client.breakerState('common')).toBe('open');
    expect(await metricValue('dhanman_http_client_circuit_state', { service, target: 'common' })).toBe(2);

    const started = performance.now();
    const refused = await failure(client.get('common', '/x'));
    expect(performance.now() - started).toBeLessThan(200);
    expect(refused.reason).toBe('circuit-open');
    expect(refused.headers['retry-after']).toBeDefined();
    expect(upstream.received).toHaveLength(5);

    // Refused at once until the open period ends; then one probe goes through and succeeds.
    upstream.fallback = { status: 200, body: { ok: true } };
    const probe = await firstCallThrough(() => client.get('common', '/x'));
    expect(probe.status).toBe(200);
    expect(probe.at - opening).toBeGreaterThanOrEqual(FAST.breakerOpenMs! - 2);
    expect(upstream.received).toHaveLength(6);
    expect(client.breakerState('common')).toBe('closed');
    expect(await metricValue('dhanman_http_client_circuit_state', { service, target: 'common' })).toBe(0);
    for (const to of ['open', 'half-open', 'closed']) {
      expect(
        await metricValue('dhanman_http_client_circuit_transitions_total', { service, target: 'common', to }),
      ).toBe(1);
    }
  });

  it('a failed half-open probe opens the breaker again', async () => {
    const { upstream, client } = await setUp({ retryDelaysMs: [], breakerThreshold: 2, breakerOpenMs: 150 });
    upstream.fallback = { status: 503 };
    await failure(client.get('common', '/x'));
    const opening = performance.now();
    await failure(client.get('common', '/x'));
    const probe = await firstCallThrough(() => client.get('common', '/x'));
    expect(probe.at - opening).toBeGreaterThanOrEqual(148);
    expect(probe.error?.reason).toBe('status');
    expect(upstream.received).toHaveLength(3);
    expect(client.breakerState('common')).toBe('open');
    expect((await failure(client.get('common', '/x'))).reason).toBe('circuit-open');
  });

  it('a 404 is an answer: it is returned, not retried, and never trips the breaker', async () => {
    const { upstream, client } = await setUp({ breakerThreshold: 3 });
    upstream.fallback = { status: 404, body: { type: 'urn:dhanman:problem:not-found' } };
    for (let i = 0; i < 10; i++) {
      const answer = await client.get('common', '/api/customers/{id}', { params: { id: String(i) } });
      expect(answer.status).toBe(404);
      expect(answer.ok).toBe(false);
    }
    expect(upstream.received).toHaveLength(10);
    expect(client.breakerState('common')).toBe('closed');
  });

  it('times out a call that does not answer, without retrying it', async () => {
    const { upstream, client, service } = await setUp({ timeoutMs: 150 });
    upstream.script({ hang: true });
    const started = performance.now();
    const err = await failure(client.get('common', '/slow'));
    const took = performance.now() - started;
    expect(err.reason).toBe('timeout');
    expect(took).toBeGreaterThanOrEqual(148);
    expect(took).toBeLessThan(600);
    expect(upstream.received).toHaveLength(1);
    expect(
      await metricValue('dhanman_http_client_request_duration_seconds', {
        service,
        target: 'common',
        outcome: 'timeout',
      }),
    ).toBe(1);
  });

  it('also times out an answer whose body is too slow, and counts timeouts toward the breaker', async () => {
    const { upstream, client } = await setUp({ timeoutMs: 100, breakerThreshold: 2, retryDelaysMs: [] });
    upstream.script({ hang: true }, { status: 200, delayMs: 300 });
    expect((await failure(client.get('common', '/a'))).reason).toBe('timeout');
    expect((await failure(client.get('common', '/b'))).reason).toBe('timeout');
    expect(client.breakerState('common')).toBe('open');
  });

  it('the bulkhead refuses calls beyond its limit and queue at once', async () => {
    const { upstream, client, service } = await setUp({ bulkheadLimit: 2, bulkheadQueue: 1 });
    upstream.fallback = { status: 200, body: {}, delayMs: 600 };
    const started = performance.now();
    const calls = Array.from({ length: 5 }, () =>
      client.get('common', '/busy').then(
        (a) => ({ ok: a.status, at: performance.now() - started }),
        (e: DependencyUnavailableError) => ({ reason: e.reason, at: performance.now() - started }),
      ),
    );
    const results = await Promise.all(calls);
    const refused = results.filter((r) => 'reason' in r);
    expect(refused).toHaveLength(2);
    for (const r of refused) {
      expect(r).toMatchObject({ reason: 'bulkhead-full' });
      expect(r.at).toBeLessThan(300);
    }
    expect(results.filter((r) => 'ok' in r)).toHaveLength(3);
    expect(upstream.received).toHaveLength(3);
    expect(
      await metricValue('dhanman_http_client_request_duration_seconds', {
        service,
        outcome: 'bulkhead-full',
      }),
    ).toBe(2);
  });

  it('refuses an answer larger than the configured limit, and a 2xx body that does not match the schema', async () => {
    const { upstream, client } = await setUp({ retryDelaysMs: [] }, { maxResponseBytes: 512 });
    upstream.script({ status: 200, body: { blob: 'x'.repeat(2_000) } }, { status: 200, body: { id: 1 } });
    expect((await failure(client.get('common', '/big'))).reason).toBe('invalid-response');
    const err = await failure(client.get('common', '/odd', { schema: z.object({ id: z.string() }) }));
    expect(err.reason).toBe('invalid-response');
  });

  it('attaches a service token for the organization being served and renews it once when refused', async () => {
    let issued = 0;
    const tokens = cachedServiceTokens(async (org) => ({
      accessToken: `tok-${org}-${++issued}`,
      expiresIn: 300,
    }));
    const { upstream, client } = await setUp({}, { tokens });
    upstream.script(
      { status: 200, body: {} },
      { status: 200, body: {} },
      { status: 401 },
      { status: 200, body: {} },
    );

    await runWithContext({ correlationId: 'c-1', organizationId: 'org-a' }, () => client.get('common', '/a'));
    await runWithContext({ correlationId: 'c-2', organizationId: 'org-a' }, () => client.get('common', '/b'));
    await client.get('common', '/c', { organizationId: 'org-b' });

    expect(upstream.received.map((r) => r.headers.authorization)).toEqual([
      'Bearer tok-org-a-1',
      'Bearer tok-org-a-1',
      'Bearer tok-org-b-2',
      'Bearer tok-org-b-3',
    ]);
  });

  it('refuses a call for another organization from work of one: a service token is only for the causing organization', async () => {
    const asked: string[] = [];
    const tokens = cachedServiceTokens(async (org) => {
      asked.push(org);
      return { accessToken: `tok-${org}`, expiresIn: 300 };
    });
    const { upstream, client } = await setUp({}, { tokens });
    upstream.script({ status: 200, body: {} });
    const inOrgA = (organizationId: string) =>
      runWithContext({ correlationId: 'c-3', organizationId: 'org-a' }, () =>
        client.get('common', '/x', { organizationId }),
      );
    await expect(inOrgA('org-b')).rejects.toThrow(/organization org-b from work of organization org-a/);
    expect(asked).toEqual([]);
    expect(upstream.received).toHaveLength(0);
    await inOrgA('org-a');
    expect(asked).toEqual(['org-a']);
  });

  it('answers an unreachable dependency with an immediate 503 problem naming it, from the calling endpoint', async () => {
    const { upstream, client } = await setUp({
      retryDelaysMs: [],
      breakerThreshold: 1,
      breakerOpenMs: 60_000,
    });
    upstream.fallback = { status: 500 };
    const app = createHttpApp({ service: uniqueService('sales'), log: createLogger('sales', 'silent') });
    app.get(
      '/api/check/:id',
      { config: { public: true }, schema: { params: z.object({ id: z.string() }) } },
      async (req) => {
        const answer = await client.get('common', '/api/customers/{id}', { params: { id: req.params.id } });
        return { exists: answer.status === 200 };
      },
    );
    const base = await listen(app);
    cleanup.push(() => app.close());

    const first = await fetch(`${base}/api/check/1`);
    expect(first.status).toBe(503);
    const started = performance.now();
    const second = await fetch(`${base}/api/check/1`);
    expect(performance.now() - started).toBeLessThan(400);
    expect(second.status).toBe(503);
    expect(second.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(second.headers.get('retry-after')).toBe('60');
    expect(await second.json()).toMatchObject({
      type: PROBLEM_TYPES.dependencyUnavailable,
      status: 503,
      dependency: 'common',
      reason: 'circuit-open',
    });
    expect(upstream.received).toHaveLength(1);
  });

  it('carries the correlation id from the incoming request to the outgoing call, the answer and the logs', async () => {
    const { upstream, client } = await setUp({ retryDelaysMs: [5] });
    const sink = logSink();
    const log = createLogger('sales', 'info', sink.stream);
    const app = createHttpApp({ service: uniqueService('sales'), log });
    app.post(
      '/api/invoices',
      { config: { public: true }, schema: { body: z.object({ customerId: z.string() }) } },
      async (req, reply) => {
        const customer = await client.get('common', '/api/customers/{id}', {
          params: { id: req.body.customerId },
        });
        log.info({ found: customer.status === 200 }, 'customer checked');
        return reply.code(201).send({ ok: true });
      },
    );
    const base = await listen(app);
    cleanup.push(() => app.close());
    upstream.script({ status: 503 }, { status: 200, body: { id: 'c' } });

    const res = await fetch(`${base}/api/invoices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'corr-abc-123' },
      body: JSON.stringify({ customerId: 'c' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-correlation-id')).toBe('corr-abc-123');
    expect(upstream.received.map((r) => r.headers['x-correlation-id'])).toEqual([
      'corr-abc-123',
      'corr-abc-123',
    ]);
    const byMessage = (msg: string) => sink.lines.find((l) => l.msg === msg);
    expect(byMessage('customer checked')).toMatchObject({ correlationId: 'corr-abc-123', service: 'sales' });
    expect(byMessage('retrying call')).toBeUndefined(); // the client was built without a logger
    expect(byMessage('request completed')).toMatchObject({ correlationId: 'corr-abc-123', status: 201 });

    const made = await fetch(`${base}/api/invoices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'bad id with spaces' },
      body: JSON.stringify({ customerId: 'c' }),
    });
    const generated = made.headers.get('x-correlation-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect(upstream.received.at(-1)!.headers['x-correlation-id']).toBe(generated);
  });

  it('logs retries and breaker changes with the correlation id of the work in progress', async () => {
    const sink = logSink();
    const { upstream, client } = await setUp(
      { retryDelaysMs: [5], breakerThreshold: 2 },
      { log: createLogger('sales', 'info', sink.stream) },
    );
    upstream.fallback = { status: 500 };
    await runWithContext({ correlationId: 'work-1' }, () => failure(client.get('common', '/x')));
    const retry = sink.lines.find((l) => l.msg === 'retrying call');
    expect(retry).toMatchObject({ correlationId: 'work-1', target: 'common', attempt: 1 });
    expect(sink.lines.find((l) => l.msg === 'circuit breaker changed state')).toMatchObject({
      correlationId: 'work-1',
      state: 'open',
    });
  });
});
