import { Agent, fetch as undiciFetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHttpApp, registerHealth, type HttpApp } from '#platform/http/app.js';
import { decodeCursor, pageQuery, pageSchema, toPage } from '#platform/http/pagination.js';
import { PROBLEM_TYPES, conflict, notFound, unprocessable } from '#platform/http/problem.js';
import { createLogger } from '#platform/observability/logger.js';
import { listen, logSink, metricValue, uniqueService } from './observe.js';
import { waitFor } from '../../support/wait.js';

const apps: HttpApp[] = [];
afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
});

function makeApp(opts: { bodyLimit?: number; service?: string } = {}): HttpApp {
  const app = createHttpApp({
    service: opts.service ?? uniqueService('app'),
    log: createLogger('app', 'silent'),
    ...(opts.bodyLimit === undefined ? {} : { bodyLimit: opts.bodyLimit }),
  });
  apps.push(app);
  return app;
}

const isProblem = (res: { headers: Record<string, unknown> }) =>
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);

describe('API conventions', () => {
  function customersApp(bodyLimit?: number): HttpApp {
    const app = makeApp(bodyLimit === undefined ? {} : { bodyLimit });
    app.post(
      '/api/customers/:id/update-balance',
      {
        config: { public: true },
        schema: {
          params: z.object({ id: z.uuid() }),
          querystring: z.object({ dryRun: z.enum(['true', 'false']).optional() }),
          headers: z.object({ 'x-company-id': z.uuid().optional() }),
          body: z.object({
            amountDelta: z.string().regex(/^-?\d+(\.\d{1,2})?$/),
            note: z.string().max(20).optional(),
          }),
          response: { 200: z.object({ balance: z.string() }) },
        },
      },
      async (req) => {
        if (req.body.note === 'gone') throw notFound('No such customer.');
        if (req.body.note === 'twice') throw conflict('Already applied.', { appliedAt: '2026-01-01' });
        if (req.body.note === 'closed') {
          throw unprocessable('The customer account is closed.', [
            { in: 'params', path: 'id', message: 'closed' },
          ]);
        }
        if (req.body.note === 'bug') return { balance: 12 } as unknown as { balance: string };
        if (req.body.note === 'boom') throw new Error('secret connection string postgres://u:p@h/db');
        return { balance: req.body.amountDelta };
      },
    );
    return app;
  }
  const url = '/api/customers/7f0c5d0e-0000-4000-8000-000000000001/update-balance';
  const json = { 'content-type': 'application/json' };

  it('answers invalid input with 400 listing each field and where it is', async () => {
    const app = customersApp();
    const res = await app.inject({
      method: 'POST',
      url: '/api/customers/not-a-uuid/update-balance',
      headers: json,
      payload: { amountDelta: 'ten' },
    });
    expect(res.statusCode).toBe(400);
    isProblem(res);
    expect(res.json()).toMatchObject({
      type: PROBLEM_TYPES.validation,
      status: 400,
      errors: [{ in: 'params', path: 'id' }],
    });

    const body = await app.inject({
      method: 'POST',
      url,
      headers: json,
      payload: { amountDelta: 'ten', extra: 1 },
    });
    expect(body.json().errors).toEqual([expect.objectContaining({ in: 'body', path: 'amountDelta' })]);
    const query = await app.inject({
      method: 'POST',
      url: `${url}?dryRun=maybe`,
      headers: json,
      payload: { amountDelta: '1' },
    });
    expect(query.json().errors).toEqual([expect.objectContaining({ in: 'query', path: 'dryRun' })]);
    const header = await app.inject({
      method: 'POST',
      url,
      headers: { ...json, 'x-company-id': 'nope' },
      payload: { amountDelta: '1' },
    });
    expect(header.json().errors).toEqual([expect.objectContaining({ in: 'headers', path: 'x-company-id' })]);
    const missing = await app.inject({ method: 'POST', url, headers: json, payload: {} });
    expect(missing.json().errors).toEqual([expect.objectContaining({ in: 'body', path: 'amountDelta' })]);
  });

  it('answers malformed JSON, a wrong content type, no body and a huge body with 4xx problems', async () => {
    const app = customersApp(1024);
    const cases: Array<[Record<string, string>, string, number, string]> = [
      [json, '{"amountDelta": "1"', 400, PROBLEM_TYPES.malformedBody],
      [json, '', 400, PROBLEM_TYPES.malformedBody],
      [json, '{"__proto__": {"x": 1}, "amountDelta": "1"}', 400, PROBLEM_TYPES.malformedBody],
      [{ 'content-type': 'text/plain' }, 'amountDelta=1', 415, PROBLEM_TYPES.unsupportedMediaType],
      [
        { 'content-type': 'application/x-www-form-urlencoded' },
        'amountDelta=1',
        415,
        PROBLEM_TYPES.unsupportedMediaType,
      ],
      [
        json,
        JSON.stringify({ amountDelta: '1', note: 'x'.repeat(5000) }),
        413,
        PROBLEM_TYPES.payloadTooLarge,
      ],
      [{}, '', 400, PROBLEM_TYPES.validation],
    ];
    for (const [headers, payload, status, type] of cases) {
      const res = await app.inject({ method: 'POST', url, headers, payload });
      expect({ status: res.statusCode, type: res.json().type }).toEqual({ status, type });
      isProblem(res);
    }
  });

  it('maps the problem helpers to their statuses and keeps our own faults opaque', async () => {
    const app = customersApp();
    const send = (note: string) =>
      app.inject({ method: 'POST', url, headers: json, payload: { amountDelta: '1', note } });
    expect((await send('gone')).json()).toMatchObject({
      status: 404,
      type: PROBLEM_TYPES.notFound,
      detail: 'No such customer.',
    });
    expect((await send('twice')).json()).toMatchObject({
      status: 409,
      type: PROBLEM_TYPES.conflict,
      appliedAt: '2026-01-01',
    });
    expect((await send('closed')).json()).toMatchObject({
      status: 422,
      type: PROBLEM_TYPES.unprocessable,
      errors: [{ in: 'params', path: 'id', message: 'closed' }],
    });
    for (const note of ['bug', 'boom']) {
      const res = await send(note);
      expect(res.statusCode).toBe(500);
      expect(res.json()).toMatchObject({ type: PROBLEM_TYPES.internal });
      expect(res.body).not.toContain('postgres://');
    }
    const ok = await send('fine');
    expect(ok.json()).toEqual({ balance: '1' });
  });

  it('answers unknown routes and undecodable URLs with problem+json 4xx', async () => {
    const app = customersApp();
    const unknown = await app.inject({ method: 'GET', url: '/api/nothing-here?x=1' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ type: PROBLEM_TYPES.notFound, instance: '/api/nothing-here' });
    const bad = await app.inject({ method: 'POST', url: '/api/customers/%E0%A4%A/update-balance' });
    expect(bad.statusCode).toBe(400);
    isProblem(bad);
  });

  it('serves the OpenAPI document and the docs page, naming each operation’s permission', async () => {
    const app = createHttpApp({
      service: uniqueService('docs'),
      log: createLogger('docs', 'silent'),
      auth: { verifier: { verify: async () => Promise.reject(new Error('unused')) } },
    });
    apps.push(app);
    app.get(
      '/api/customers/:id',
      {
        config: { permission: 'customers:read' },
        schema: {
          params: z.object({ id: z.uuid() }),
          response: { 200: z.object({ id: z.uuid(), balance: z.string() }) },
        },
      },
      async () => ({ id: '7f0c5d0e-0000-4000-8000-000000000001', balance: '0.00' }),
    );
    app.post(
      '/api/invoices',
      {
        config: { permission: 'invoices:write' },
        schema: { body: z.object({ amount: z.number() }) },
      },
      async () => ({}),
    );
    const doc = (await app.inject({ url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const get = doc.paths['/api/customers/{id}'].get;
    expect(get['x-permission']).toBe('customers:read');
    expect(get.security).toEqual([{ bearerAuth: [] }]);
    expect(get.responses['200']).toBeDefined();
    expect(doc.paths['/api/invoices'].post.requestBody).toBeDefined();
    expect(Object.keys(doc.paths)).not.toContain('/metrics');
    const page = await app.inject({ url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
  });

  it('pages lists with limit and an opaque cursor, and refuses a cursor it did not make', async () => {
    const app = makeApp();
    const all = Array.from({ length: 7 }, (_, i) => ({ id: i + 1, name: `r${i + 1}` }));
    app.get(
      '/api/residents',
      {
        config: { public: true },
        schema: {
          querystring: pageQuery(3, 5),
          response: { 200: pageSchema(z.object({ id: z.number(), name: z.string() })) },
        },
      },
      async (req) => {
        const after = decodeCursor(req.query.cursor, z.object({ id: z.number().int() }));
        const rows = all.filter((r) => r.id > (after?.id ?? 0)).slice(0, req.query.limit + 1);
        return toPage(rows, req.query.limit, (r) => ({ id: r.id }));
      },
    );
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await app.inject({ url: `/api/residents?limit=3${cursor ? `&cursor=${cursor}` : ''}` });
      const page = res.json() as { items: Array<{ id: number }>; nextCursor: string | null };
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(pages).toBe(3);
    expect((await app.inject({ url: '/api/residents' })).json().items).toHaveLength(3);
    expect((await app.inject({ url: '/api/residents?limit=6' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/api/residents?limit=0' })).statusCode).toBe(400);
    const forged = Buffer.from(JSON.stringify({ id: 'x' })).toString('base64url');
    const bad = await app.inject({ url: `/api/residents?cursor=${forged}` });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([expect.objectContaining({ in: 'query', path: 'cursor' })]);
    expect((await app.inject({ url: '/api/residents?cursor=%7B%7D' })).statusCode).toBe(400);
  });
});

describe('health, metrics and shutdown', () => {
  it('reports live always and ready only when every check passes', async () => {
    const app = makeApp();
    let checks: Record<string, boolean> = { database: true, broker: true };
    let failing = false;
    registerHealth(app, {
      ready: async () => {
        if (failing) throw new Error('pool exhausted');
        return checks;
      },
      timeoutMs: 100,
    });
    expect((await app.inject({ url: '/health/live' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/health/ready' })).statusCode).toBe(200);
    checks = { database: true, broker: false };
    const down = await app.inject({ url: '/health/ready' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ status: 'not-ready', failing: ['broker'] });
    failing = true;
    expect((await app.inject({ url: '/health/ready' })).statusCode).toBe(503);
    expect((await app.inject({ url: '/health/live' })).statusCode).toBe(200);
  });

  it('counts requests by route pattern and status at /metrics', async () => {
    const service = uniqueService('metrics');
    const app = makeApp({ service });
    app.get('/api/things/:id', { config: { public: true } }, async (req) => {
      if ((req.params as { id: string }).id === 'missing') throw notFound();
      return { ok: true };
    });
    for (const id of ['a', 'b', 'missing']) await app.inject({ url: `/api/things/${id}` });
    await app.inject({ url: '/nowhere/at/all' });
    const labels = { service, method: 'GET', route: '/api/things/:id' };
    expect(
      await metricValue('dhanman_http_server_request_duration_seconds', { ...labels, status: '200' }),
    ).toBe(2);
    expect(
      await metricValue('dhanman_http_server_request_duration_seconds', { ...labels, status: '404' }),
    ).toBe(1);
    expect(
      await metricValue('dhanman_http_server_request_duration_seconds', {
        service,
        route: 'unmatched',
        status: '404',
      }),
    ).toBe(1);
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(text).toContain(
      `dhanman_http_server_request_duration_seconds_count{service="${service}",method="GET",route="/api/things/:id",status="200"} 2`,
    );
  });

  it('finishes requests in flight on close, and logs each with its correlation id', async () => {
    const sink = logSink();
    const app = createHttpApp({
      service: uniqueService('drain'),
      log: createLogger('drain', 'info', sink.stream),
    });
    // The slow request holds until the test lets it go, once close() is under way.
    let arrived!: () => void;
    const slowArrived = new Promise<void>((r) => (arrived = r));
    let letGo!: () => void;
    const mayFinish = new Promise<void>((r) => (letGo = r));
    app.get('/slow', { config: { public: true } }, async () => {
      arrived();
      await mayFinish;
      return { done: true };
    });
    app.get('/fast', { config: { public: true } }, async () => ({ fast: true }));
    const base = await listen(app);
    // A client that keeps its connection open after its answer: close must not wait for it.
    const idleClient = new Agent({ keepAliveTimeout: 600_000 });
    expect((await undiciFetch(`${base}/fast`, { dispatcher: idleClient })).status).toBe(200);
    const inFlight = fetch(`${base}/slow`, { headers: { 'x-correlation-id': 'drain-1' } });
    await slowArrived;
    const started = performance.now();
    const closed = app.close();
    await waitFor('the server to stop listening', () => !app.server.listening);
    letGo();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.json()).toEqual({ done: true });
    const outcome = await Promise.race([
      closed.then(() => 'closed'),
      new Promise((r) => setTimeout(r, 3_000, 'still waiting')),
    ]);
    expect(outcome).toBe('closed');
    expect(performance.now() - started).toBeLessThan(2_000);
    await expect(fetch(`${base}/slow`)).rejects.toThrow();
    await idleClient.close();
    expect(sink.lines.find((l) => l.msg === 'request completed' && l.route === '/slow')).toMatchObject({
      correlationId: 'drain-1',
      route: '/slow',
      status: 200,
    });
  });
});
