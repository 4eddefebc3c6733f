import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { ServiceName } from '#contracts/services.js';
import { dbOf, startTestSystem, type Mode, type TestSystem } from '../../support/system.js';
import { apiOf } from '../../support/api.js';
import { operatorToken } from '../../support/operator.js';
import { waitFor } from '../../support/wait.js';
import { startSmtpSink, type SmtpSink } from '../invoice-flow/smtp-sink.js';

/** Payment settings scaled down for tests (the defaults are 5 s, 1-60 s retries, 60 s breaker). */
export const PAYMENT_TEST_SETTINGS: Record<string, string> = {
  PAYMENT_SETTLE_WAIT_MS: '2000',
  PAYMENT_RETRY_DELAYS_MS: '200,400,800',
  GATEWAY_BREAKER_OPEN_MS: '500',
  SAGA_LEASE_MS: '1500',
  HTTP_TIMEOUT_MS: '2000',
};

/**
 * Common, Sales, Notification and the simulated gateway (its charge book in a file of the test's
 * own), mail through a real SMTP server, and the helpers the payment tests share.
 */
export class PaymentSystem {
  system!: TestSystem;
  sink!: SmtpSink;
  api!: ReturnType<typeof apiOf>;
  admin = '';
  /** The gateway's book and fault switches are an operator's. */
  operator = '';
  dataDir = '';

  constructor(readonly mode: Mode) {}

  static forTests(mode: Mode): PaymentSystem {
    const f = new PaymentSystem(mode);
    beforeAll(() => f.start());
    afterAll(() => f.stop());
    return f;
  }

  async start(): Promise<void> {
    this.dataDir = mkdtempSync(path.join(tmpdir(), 'dhanman-pay-'));
    this.sink = await startSmtpSink();
    this.system = await startTestSystem({
      mode: this.mode,
      only: ['common', 'sales', 'notification', 'gateway'],
      env: {
        ...PAYMENT_TEST_SETTINGS,
        GATEWAY_DATA_FILE: path.join(this.dataDir, 'charges.jsonl'),
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(this.sink.port),
        SMTP_POOL_SIZE: '2',
      },
    });
    this.api = apiOf(this.system);
    this.admin = await this.system.login('admin@demo.dhanman.local');
    this.operator = await operatorToken(this.system);
  }

  async stop(): Promise<void> {
    await this.system?.stop();
    await this.sink?.close();
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  async count(service: ServiceName, sql: string, params: unknown[] = []): Promise<number> {
    return Number((await dbOf(this.system, service).query<{ n: string }>(sql, params)).rows[0]!.n);
  }

  async newCustomer(): Promise<{ id: string; email: string }> {
    const res = await this.api('common', 'POST', '/api/customers', {
      token: this.admin,
      body: { name: 'Anita Rao', email: `${randomUUID().slice(0, 8)}@residents.example` },
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  /** An issued invoice, posted by Common (so the customer's balance includes it). */
  async postedInvoice(customerId: string, amount = '1250.00'): Promise<{ id: string; number: string }> {
    const res = await this.api('sales', 'POST', '/api/invoices', {
      token: this.admin,
      body: { customerId, amount, dueDate: '2031-03-31' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(res.status).toBe(201);
    await waitFor('the invoice to be posted', async () => {
      const got = await this.api('sales', 'GET', `/api/invoices/${res.body.id}`, { token: this.admin });
      return got.body.posted === true;
    });
    return res.body;
  }

  pay(
    invoiceId: string,
    paymentMethodId = 'pm_card_visa',
    key: string | null = randomUUID(),
    token = this.admin,
  ) {
    return this.api('sales', 'POST', `/api/invoices/${invoiceId}/payments`, {
      token,
      body: { paymentMethodId },
      headers: key ? { 'idempotency-key': key } : {},
    });
  }

  payment(id: string) {
    return this.api('sales', 'GET', `/api/payments/${id}`, { token: this.admin });
  }

  async waitPayment(id: string, status: string, timeoutMs = 20_000) {
    return waitFor(
      `payment ${id} to be ${status}`,
      async () => {
        const p = await this.payment(id);
        return p.body.status === status ? p.body : undefined;
      },
      timeoutMs,
    );
  }

  /** The gateway's book: the charges made for one payment. */
  async charges(
    paymentId: string,
  ): Promise<Array<{ transactionId: string; status: string; refund: unknown }>> {
    const res = await this.api(
      'gateway',
      'GET',
      `/api/charges?reference=${encodeURIComponent(`payment:${paymentId}`)}`,
      { token: this.operator },
    );
    return res.body.items;
  }

  faults(body: Record<string, number> | null) {
    return body
      ? this.api('gateway', 'PUT', '/api/faults', { body, token: this.operator })
      : this.api('gateway', 'DELETE', '/api/faults', { token: this.operator });
  }

  async balance(customerId: string): Promise<string> {
    return (await this.api('common', 'GET', `/api/customers/${customerId}`, { token: this.admin })).body
      .balance;
  }

  receipts(to: string) {
    return this.sink.mails.filter(
      (m) => m.envelopeTo.includes(to) && m.subject.startsWith('Payment received'),
    );
  }

  outboxPaymentsOf(paymentId: string) {
    return this.count(
      'sales',
      `SELECT count(*) AS n FROM outbox WHERE type = 'sales.payment-received' AND body::jsonb -> 'payload' ->> 'paymentId' = $1`,
      [paymentId],
    );
  }
}
