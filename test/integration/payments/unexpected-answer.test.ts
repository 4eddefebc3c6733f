import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_RESIDENTS, DEMO_USERS } from '#contracts/demo.js';
import { EMBEDDED_GATEWAY_API_KEY } from '#contracts/services.js';
import { apiOf } from '../../support/api.js';
import { startTestSystem, type TestSystem } from '../../support/system.js';
import { waitFor } from '../../support/wait.js';
import { PAYMENT_TEST_SETTINGS } from './payment-fixture.js';

interface Seen {
  key: string | undefined;
  authorization: string | undefined;
}

/**
 * A provider answering something Sales does not recognise: 200 with a body that is not a charge.
 * With a real provider that may mean money moved, so the payment must stay pending (unknown),
 * retried on the same key, never failed; once the provider answers a real success it succeeds.
 */
describe('a gateway answer that is neither a success nor a decline', () => {
  let system: TestSystem;
  let provider: Server;
  let answer: 'unexpected' | 'charged' = 'unexpected';
  const seen: Seen[] = [];

  beforeAll(async () => {
    provider = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url === '/api/charges' && req.method === 'POST') {
          seen.push({
            key: req.headers['idempotency-key'] as string | undefined,
            authorization: req.headers.authorization,
          });
        }
        const [status, body] =
          answer === 'unexpected'
            ? [200, { ok: true, message: 'accepted for processing' }]
            : [
                201,
                {
                  transactionId: 'txn_from_the_provider',
                  status: 'succeeded',
                  declineReason: null,
                  refund: null,
                },
              ];
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
    const { port } = provider.address() as AddressInfo;
    system = await startTestSystem({
      mode: 'embedded',
      only: ['common', 'sales'],
      env: {
        ...PAYMENT_TEST_SETTINGS,
        PAYMENT_SETTLE_WAIT_MS: '300',
        PAYMENT_RETRY_DELAYS_MS: '100,200',
        GATEWAY_URL: `http://127.0.0.1:${port}`,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    await new Promise((resolve) => provider?.close(resolve));
  });

  it('leaves the payment pending and retries on the same key, never failed', async () => {
    const api = apiOf(system);
    const admin = await system.login(DEMO_USERS[0].email);
    const invoice = await api('sales', 'POST', '/api/invoices', {
      token: admin,
      body: { customerId: DEMO_RESIDENTS[0].customerId, amount: '700.00', dueDate: '2031-03-31' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(invoice.status).toBe(201);
    const paid = await api('sales', 'POST', `/api/invoices/${invoice.body.id}/payments`, {
      token: admin,
      body: { paymentMethodId: 'pm_card_visa' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(paid.status).toBe(202);
    expect(paid.body.status).toBe('pending');
    const paymentId: string = paid.body.paymentId;

    // Evidence of retries: the provider saw the charge three times, all on one key, with Sales' key.
    await waitFor('three charge attempts', () => seen.length >= 3);
    expect(new Set(seen.map((s) => s.key))).toEqual(new Set([`payment:${paymentId}:charge`]));
    expect(seen.every((s) => s.authorization === `Bearer ${EMBEDDED_GATEWAY_API_KEY}`)).toBe(true);
    const pending = await api('sales', 'GET', `/api/payments/${paymentId}`, { token: admin });
    expect(pending.body.status).toBe('pending');
    expect(pending.body.failureReason ?? null).toBeNull();
    const invoiceNow = await api('sales', 'GET', `/api/invoices/${invoice.body.id}`, { token: admin });
    expect(invoiceNow.body.status).toBe('issued');

    // The provider answers a real success to the same key: the payment completes with that charge.
    answer = 'charged';
    const done = await waitFor('the payment to succeed', async () => {
      const p = await api('sales', 'GET', `/api/payments/${paymentId}`, { token: admin });
      return p.body.status === 'succeeded' && p.body;
    });
    expect(done.transactionId).toBe('txn_from_the_provider');
  });
});
