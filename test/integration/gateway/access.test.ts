import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '#contracts/demo.js';
import { EMBEDDED_GATEWAY_API_KEY } from '#contracts/services.js';
import { listRoutes, type RouteEntry } from '#platform/http/route-policy.js';
import { startConsole, type RunningConsole } from '../../../web/server/console-server.js';
import { operatorToken } from '../../support/operator.js';
import { startTestSystem, type TestSystem } from '../../support/system.js';

/** Routes only an operator may call: the book of every organization's charges and the fault switches. */
const OPERATOR_ONLY = new Set([
  'GET /api/charges',
  'GET /api/faults',
  'PUT /api/faults',
  'DELETE /api/faults',
]);

/**
 * The simulated gateway is a payment provider shared by every organization: it answers only the
 * merchant's API key (Sales) and operators, on every route, and the console does not pass calls on
 * to it.
 */
describe('who may call the payment gateway', () => {
  let system: TestSystem;
  let routes: RouteEntry[];
  const tokens = { admin: '', accountant: '', operator: '' };

  beforeAll(async () => {
    system = await startTestSystem({ mode: 'embedded', only: ['common', 'gateway'] });
    tokens.admin = await system.login(DEMO_USERS[0].email);
    tokens.accountant = await system.login(DEMO_USERS[1].email);
    tokens.operator = await operatorToken(system);
    const gateway = system.services.find((s) => s.name === 'gateway')!;
    routes = listRoutes(gateway.app).filter(
      (r) => r.url.startsWith('/api/') && r.method !== 'HEAD' && r.method !== 'OPTIONS',
    );
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  const call = (route: RouteEntry, bearer?: string) =>
    fetch(`${system.url('gateway')}${route.url.replace(':transactionId', 'txn_unknown')}`, {
      method: route.method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(route.hasBodySchema ? { 'content-type': 'application/json' } : {}),
        'idempotency-key': 'access-test',
      },
      ...(route.hasBodySchema ? { body: '{}' } : {}),
    });

  it('answers 401 to anonymous and forged callers and 403 to organization tokens, on every route', async () => {
    expect(routes.length).toBeGreaterThanOrEqual(7);
    for (const route of routes) {
      const name = `${route.method} ${route.url}`;
      expect((await call(route)).status, `${name} anonymous`).toBe(401);
      expect((await call(route, 'not-the-key-and-not-a-token')).status, `${name} forged`).toBe(401);
      for (const role of ['admin', 'accountant'] as const) {
        const res = await call(route, tokens[role]);
        expect(res.status, `${name} as ${role}`).toBe(403);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
      }
    }
  });

  it('lets the merchant key charge and refund, and only an operator list charges or switch faults', async () => {
    for (const route of routes) {
      const name = `${route.method} ${route.url}`;
      const merchant = await call(route, EMBEDDED_GATEWAY_API_KEY);
      if (OPERATOR_ONLY.has(name)) expect(merchant.status, `${name} with the merchant key`).toBe(403);
      else expect([400, 404], `${name} with the merchant key`).toContain(merchant.status);
      const operator = await call(route, tokens.operator);
      expect(operator.status, `${name} as operator`).toBeLessThan(500);
      expect([401, 403], `${name} as operator`).not.toContain(operator.status);
    }
    // A real charge with the key, refunded with the key; the operator sees it in the book.
    const charged = await fetch(`${system.url('gateway')}/api/charges`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${EMBEDDED_GATEWAY_API_KEY}`,
        'content-type': 'application/json',
        'idempotency-key': 'access-test-charge',
      },
      body: JSON.stringify({
        amount: '10.00',
        currency: 'INR',
        paymentMethodId: 'pm_card_visa',
        reference: 'r1',
      }),
    });
    expect(charged.status).toBe(201);
    const { transactionId } = (await charged.json()) as { transactionId: string };
    const refunded = await fetch(`${system.url('gateway')}/api/charges/${transactionId}/refund`, {
      method: 'POST',
      headers: { authorization: `Bearer ${EMBEDDED_GATEWAY_API_KEY}` },
    });
    expect(refunded.status).toBe(200);
    const book = await fetch(`${system.url('gateway')}/api/charges?reference=r1`, {
      headers: { authorization: `Bearer ${tokens.operator}` },
    });
    expect(((await book.json()) as { items: unknown[] }).items).toHaveLength(1);
  });

  describe('behind the web console', () => {
    let webConsole: RunningConsole;

    beforeAll(async () => {
      webConsole = await startConsole({
        host: '127.0.0.1',
        port: 0,
        services: { common: system.url('common'), gateway: system.url('gateway') },
      });
    });

    afterAll(async () => {
      await webConsole?.stop();
    });

    it('is not reachable, while the services are', async () => {
      const faults = await fetch(`${webConsole.url}/svc/gateway/api/faults`, {
        headers: { authorization: `Bearer ${tokens.operator}` },
      });
      expect(faults.status).toBe(404);
      expect((await fetch(`${webConsole.url}/svc/common/health/live`)).status).toBe(200);
    });
  });
});
