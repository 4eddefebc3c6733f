import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { registerProblemHandlers } from '#platform/http/error-handler.js';
import { PROBLEM_TYPES } from '#platform/http/problem.js';
import { on } from '#platform/messaging/bus.js';
import { runDeadLetterCli } from '../../../bin/dead-letters.js';
import { deadLetterRoutes } from '../../../operations/dead-letter-routes.js';
import type { DeadLetter } from '../../../operations/dead-letters.js';
import { queueNames } from '#platform/messaging/envelope.js';
import { messagingMetrics } from '#platform/messaging/metrics.js';
import { buildEnvelope } from '#platform/messaging/outbox-bus.js';
import { waitFor } from '../../support/wait.js';
import { org, startTestService, testRun, type TestService } from './conformance-kit.js';
import { openPostgresBus, type TestBus } from './test-bus.js';

/**
 * Operating dead letters over HTTP and from the command line, on a service whose DLQ was filled
 * by the real pipeline: a handler that fails until it is fixed, and messages that can never work.
 */
describe('dead-letter operations', () => {
  let bus: TestBus;
  let svc: TestService;
  let app: FastifyInstance;
  let base: string;
  let fixed = false;
  const handled: string[] = [];
  const run = testRun();
  const { thingHappened, registry } = run.contracts;
  const routeConfigs: { url: string; method: string; permission?: string }[] = [];

  beforeAll(async () => {
    bus = await openPostgresBus({ retryDelaysMs: [20], pollIntervalMs: 100 });
    const env = bus.environment(3, { keepOpen: true });
    svc = await startTestService(env, run.service('ops'), registry, [
      on(thingHappened, 'ops-handles-thing', async (m) => {
        if (!fixed) throw new Error(`not yet: ${m.payload.label}`);
        handled.push(m.payload.label);
      }),
    ]);
    const queue = queueNames(svc.name).events;
    for (const label of ['one', 'two', 'three']) {
      const e = buildEnvelope(
        'elsewhere',
        thingHappened,
        { thingId: randomUUID(), label },
        { organizationId: org },
      );
      await svc.transport.sendToQueue(queue, JSON.stringify(e), {});
    }
    await svc.transport.sendToQueue(queue, 'garbage', {});
    await svc.transport.sendToQueue(queue, 'more garbage', {});
    await waitFor('five dead letters', async () => (await svc.deadLetters.list()).items.length === 5);

    app = Fastify();
    // The services' problem+json answers (the rest of the app is tested in test/integration/http).
    registerProblemHandlers(app, pino({ level: 'silent' }));
    app.addHook('onRoute', (r) => {
      routeConfigs.push({
        url: r.url,
        method: String(r.method),
        permission: (r.config as { permission?: string } | undefined)?.permission,
      });
    });
    // The caller the auth hook would have verified: the operator, unless a test says otherwise.
    app.decorateRequest('principal', undefined);
    app.addHook('onRequest', async (request) => {
      const as = request.headers['x-test-caller'];
      request.principal = {
        kind: 'user',
        subject: String(as ?? 'operator'),
        organizationId: as === 'other-admin' ? randomUUID() : org,
        companies: [],
        roles: as ? ['admin'] : [],
        permissions: ['ops:dead-letters'],
        ...(as ? {} : { platformRoles: ['operator'] }),
      };
    });
    await app.register(deadLetterRoutes, { store: svc.deadLetters });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await svc?.stop();
    await bus?.close();
  });

  const api = async (method: string, path: string, body?: unknown, caller?: 'admin' | 'other-admin') => {
    const res = await fetch(`${base}/api/ops/dead-letters${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(caller ? { 'x-test-caller': caller } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      json: text ? JSON.parse(text) : undefined,
    };
  };

  it('asks for ops:dead-letters on every route', () => {
    expect(routeConfigs.map((r) => `${r.method} ${r.url}`).sort()).toEqual([
      'DELETE /api/ops/dead-letters/:id',
      'GET /api/ops/dead-letters',
      'GET /api/ops/dead-letters/:id',
      'HEAD /api/ops/dead-letters',
      'HEAD /api/ops/dead-letters/:id',
      'POST /api/ops/dead-letters/:id/replay',
      'POST /api/ops/dead-letters/replay',
    ]);
    expect(routeConfigs.every((r) => r.permission === 'ops:dead-letters')).toBe(true);
  });

  it("keeps each envelope's organization: its admin sees those, another's admin none, garbage only the operator", async () => {
    const all = (await api('GET', '')).json.items as DeadLetter[];
    const ofOrg = all.filter((d) => d.organizationId === org);
    expect(ofOrg).toHaveLength(3);
    expect(all.filter((d) => d.organizationId === null)).toHaveLength(2);
    const own = await api('GET', '', undefined, 'admin');
    expect(own.json.items.map((d: DeadLetter) => d.id).sort()).toEqual(ofOrg.map((d) => d.id).sort());
    expect((await api('GET', '', undefined, 'other-admin')).json.items).toEqual([]);
    const garbage = all.find((d) => d.organizationId === null)!;
    expect((await api('GET', `/${garbage.id}`, undefined, 'admin')).status).toBe(404);
    expect((await api('POST', `/${ofOrg[0]!.id}/replay`, undefined, 'other-admin')).status).toBe(404);
    expect((await api('DELETE', `/${ofOrg[0]!.id}`, undefined, 'other-admin')).status).toBe(404);
    expect((await api('POST', '/replay', {}, 'other-admin')).json).toEqual({ replayed: 0 });
    expect((await api('GET', '?organizationId=nope')).status).toBe(400);
    expect((await api('GET', `?organizationId=${org}`)).json.items).toHaveLength(3);
  });

  it('lists with filters, newest first, a page at a time', async () => {
    const all = await api('GET', '');
    expect(all.status).toBe(200);
    expect(all.json.items).toHaveLength(5);
    const ids = all.json.items.map((d: DeadLetter) => Number(d.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    const failed = await api('GET', '?category=handler-failed');
    expect(failed.json.items).toHaveLength(3);
    expect(
      failed.json.items.every((d: DeadLetter) => d.type === thingHappened.type && d.attempts === 2),
    ).toBe(true);
    expect((await api('GET', `?type=${thingHappened.type}&category=invalid-json`)).json.items).toHaveLength(
      0,
    );
    expect((await api('GET', `?originalQueue=${queueNames(svc.name).events}`)).json.items).toHaveLength(5);
    expect(
      (await api('GET', `?since=${new Date(Date.now() + 60_000).toISOString()}`)).json.items,
    ).toHaveLength(0);

    const first = await api('GET', '?limit=2');
    expect(first.json.items).toHaveLength(2);
    const second = await api('GET', `?limit=2&cursor=${first.json.nextCursor}`);
    const third = await api('GET', `?limit=2&cursor=${second.json.nextCursor}`);
    expect(third.json.nextCursor).toBeNull();
    const paged = [...first.json.items, ...second.json.items, ...third.json.items].map(
      (d: DeadLetter) => d.id,
    );
    expect(paged).toEqual(all.json.items.map((d: DeadLetter) => d.id));
  });

  it('shows one dead letter in full', async () => {
    const [garbage] = (await api('GET', '?category=invalid-json&limit=1')).json.items;
    const one = await api('GET', `/${garbage.id}`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ id: garbage.id, category: 'invalid-json', status: 'open', attempts: 1 });
    expect(['garbage', 'more garbage']).toContain(one.json.body);
    const [failed] = (await api('GET', '?category=handler-failed&limit=1')).json.items;
    const full = await api('GET', `/${failed.id}`);
    expect(full.json.error).toMatch(/^not yet: /);
    expect(full.json.stack).toContain('not yet');
  });

  it('answers 404 and 400 with problems, not 500s', async () => {
    const missing = await api('GET', '/999999');
    expect(missing.status).toBe(404);
    expect(missing.type).toContain('application/problem+json');
    expect(missing.json).toMatchObject({
      type: PROBLEM_TYPES.notFound,
      status: 404,
      detail: 'no dead letter 999999',
    });
    expect((await api('POST', '/999999/replay')).status).toBe(404);
    expect((await api('DELETE', '/999999')).status).toBe(404);
    const badId = await api('GET', '/not-a-number');
    expect(badId.status).toBe(400);
    expect(badId.json).toMatchObject({ type: PROBLEM_TYPES.validation });
    expect((await api('GET', '?limit=100000')).status).toBe(400);
    expect((await api('GET', '?status=exploded')).status).toBe(400);
    expect((await api('POST', '/replay', { since: 'last tuesday' })).status).toBe(400);
  });

  it('replays one after a fix, and only once', async () => {
    fixed = true;
    const [one] = (await api('GET', '?category=handler-failed&limit=1')).json.items;
    const replayed = await api('POST', `/${one.id}/replay`);
    expect(replayed.status).toBe(200);
    expect(replayed.json).toMatchObject({ id: one.id, status: 'replayed' });
    expect(replayed.json.replayedAt).toEqual(expect.any(String));
    await waitFor('the replayed message handled', () => handled.length === 1);
    const again = await api('POST', `/${one.id}/replay`);
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ type: PROBLEM_TYPES.conflict });
    expect(again.json.detail).toContain('replayed');
  });

  it('discards one, which then cannot be replayed', async () => {
    const [garbage] = (await api('GET', '?category=invalid-json&limit=1')).json.items;
    const discarded = await api('DELETE', `/${garbage.id}`);
    expect(discarded.status).toBe(200);
    expect(discarded.json.status).toBe('discarded');
    expect((await api('POST', `/${garbage.id}/replay`)).status).toBe(409);
    expect((await api('DELETE', `/${garbage.id}`)).status).toBe(409);
  });

  it('replays every open one matching a filter', async () => {
    const result = await api('POST', '/replay', { category: 'handler-failed' });
    expect(result.status).toBe(200);
    expect(result.json).toEqual({ replayed: 2 });
    await waitFor('all three handled', () => handled.length === 3);
    expect([...handled].sort()).toEqual(['one', 'three', 'two']);
    const open = (await api('GET', '?status=open')).json.items;
    expect(open.map((d: DeadLetter) => d.category)).toEqual(['invalid-json']);
    await svc.messaging.deadLetters.gauge.refresh();
    const depth = (await messagingMetrics.dlqDepth.get()).values.find((v) => v.labels.service === svc.name);
    expect(depth?.value).toBe(1);
  });

  it('does the same from the command line', async () => {
    const out: string[] = [];
    const err: string[] = [];
    let closed = 0;
    const io = {
      out: (s: string) => out.push(s),
      err: (s: string) => err.push(s),
      open: async (service: string) => {
        expect(service).toBe(svc.name);
        return {
          store: svc.deadLetters,
          close: async () => void closed++,
        };
      },
    };
    expect(await runDeadLetterCli(['list', svc.name], io)).toBe(0);
    expect(out.at(-1)).toMatch(/^ID\s+DEAD-LETTERED AT/);
    expect(out.at(-1)).toContain('invalid-json');
    expect(out.at(-1)!.split('\n')).toHaveLength(2);

    expect(await runDeadLetterCli(['list', svc.name, '--status', 'all', '--json'], io)).toBe(0);
    const page = JSON.parse(out.at(-1)!);
    expect(page.items).toHaveLength(5);
    const open = page.items.find((d: DeadLetter) => d.status === 'open');

    expect(await runDeadLetterCli(['show', svc.name, open.id], io)).toBe(0);
    expect(out.at(-1)).toContain('category:         invalid-json');
    expect(await runDeadLetterCli(['show', svc.name, '999999'], io)).toBe(1);
    expect(err.at(-1)).toContain('no dead letter 999999');

    expect(await runDeadLetterCli(['discard', svc.name, open.id], io)).toBe(0);
    expect(out.at(-1)).toBe(`dead letter ${open.id} discarded`);
    expect(await runDeadLetterCli(['replay', svc.name, open.id], io)).toBe(1);
    expect(err.at(-1)).toContain('is discarded');
    expect(await runDeadLetterCli(['replay-all', svc.name, '--category', 'invalid-json'], io)).toBe(0);
    expect(out.at(-1)).toBe(`replayed 0 dead letter(s) of ${svc.name}`);
    expect(closed).toBe(7);
  });
});
