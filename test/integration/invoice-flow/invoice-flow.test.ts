import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { registry } from '#platform/observability/metrics.js';
import { waitFor } from '../../support/wait.js';
import { FLOW_CASES, FlowSystem } from './flow-fixture.js';

/**
 * The invoice flow end to end: customer in Common -> invoice in Sales -> Common posts the ledger
 * and acknowledges -> Notification mails the customer, on RabbitMQ + PostgreSQL and on the
 * embedded default, through a real SMTP server (and through the embedded mailbox). Delivered
 * twice, requested twice, requested fifty times at once: still exactly right.
 */
/** How many deliveries each consumer of InvoiceCreated recognised as already handled (from /metrics' counter). */
async function duplicates(): Promise<{ common: number; notification: number }> {
  const metric = await registry.getSingleMetric('dhanman_messages_consumed_total')!.get();
  const count = (handler: string) =>
    metric.values
      .filter((v) => v.labels.handler === handler && v.labels.outcome === 'duplicate')
      .reduce((n, v) => n + v.value, 0);
  return {
    common: count('common.ledger.invoice-created'),
    notification: count('notification.invoices.invoice-created'),
  };
}

describe.each(FLOW_CASES)('invoice flow on $name', (c) => {
  const f = FlowSystem.forTests(c);

  it('creates, posts, acknowledges and mails an invoice, all under one correlation id', async () => {
    const customer = await f.newCustomer();
    const correlationId = `flow-${randomUUID()}`;
    const created = await f.createInvoice(
      { customerId: customer.id, amount: '2500.50', dueDate: '2031-03-31' },
      randomUUID(),
      { 'x-correlation-id': correlationId },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'issued', amount: '2500.50', customerId: customer.id });
    expect(created.body.number).toMatch(/^INV-\d{6}-\d{4}$/);
    const invoiceId: string = created.body.id;

    const shown = await waitFor('the invoice to show posted', async () => {
      const res = await f.api('sales', 'GET', `/api/invoices/${invoiceId}`, { token: f.admin });
      return res.body.posted ? res.body : undefined;
    });
    expect(shown).toMatchObject({
      id: invoiceId,
      number: created.body.number,
      status: 'issued',
      amount: '2500.50',
      posted: true,
    });

    const journals = await f.api('common', 'GET', `/api/ledger/journals?referenceId=${invoiceId}`, {
      token: f.admin,
    });
    expect(journals.body.items).toHaveLength(1);
    expect(journals.body.items[0]).toMatchObject({
      id: shown.journalId,
      referenceId: invoiceId,
      referenceType: 'invoice',
    });
    expect(journals.body.items[0].lines).toEqual([
      { accountCode: '1200', debit: '2500.50', credit: '0.00' },
      { accountCode: '4000', debit: '0.00', credit: '2500.50' },
    ]);
    const trial = await f.api('common', 'GET', '/api/ledger/trial-balance', { token: f.admin });
    expect(trial.body.balanced).toBe(true);
    expect(trial.body.totalDebit).toBe(trial.body.totalCredit);

    const [mail] = await waitFor('the email', async () => {
      const mails = await f.mailsTo(customer.email);
      return mails.length > 0 ? mails : undefined;
    });
    expect(mail!.subject).toBe(
      `Invoice ${created.body.number} from Green Meadows Residents Society: ₹2,500.50 due 2031-03-31`,
    );
    expect(mail!.text).toContain('₹2,500.50');
    expect(mail!.text).toContain('Anita Rao');
    expect(mail!.html).toContain(created.body.number);

    const listed = await f.api('notification', 'GET', `/api/emails?correlationId=${correlationId}`, {
      token: f.admin,
    });
    expect(listed.body.items).toEqual([
      expect.objectContaining({
        to: customer.email,
        subject: mail!.subject,
        template: 'invoice-created',
        correlationId,
      }),
    ]);
    const balance = await f.api('common', 'GET', `/api/customers/${customer.id}`, { token: f.admin });
    expect(balance.body.balance).toBe('2500.50');

    const trace = async (service: 'sales' | 'common' | 'notification') =>
      (await f.api(service, 'GET', `/api/ops/trace/${correlationId}`, { token: f.admin })).body.entries.map(
        (e: { action: string }) => e.action,
      );
    expect(await trace('sales')).toEqual([
      'invoice.created',
      'published sales.invoice-created',
      'invoice.posted',
    ]);
    expect(await trace('common')).toEqual(['ledger.posted', 'published common.ledger-posted']);
    expect(await trace('notification')).toEqual(['email.sent']);
  });

  it('changes nothing when InvoiceCreated arrives again (same message, or the same fact re-published)', async () => {
    const customer = await f.newCustomer();
    const created = await f.createInvoice({
      customerId: customer.id,
      amount: '99.99',
      dueDate: '2031-01-01',
    });
    const invoiceId: string = created.body.id;
    await waitFor('posting and mail', async () => {
      const res = await f.api('sales', 'GET', `/api/invoices/${invoiceId}`, { token: f.admin });
      return res.body.posted && (await f.mailsTo(customer.email)).length === 1;
    });
    const { rows } = await f
      .db('sales')
      .query<{ message_id: string; body: string }>(
        `SELECT message_id, body FROM outbox WHERE type = 'sales.invoice-created' AND body::jsonb -> 'payload' ->> 'invoiceId' = $1`,
        [invoiceId],
      );
    expect(rows).toHaveLength(1);
    const original = rows[0]!;
    const republished = { ...JSON.parse(original.body), messageId: randomUUID() };
    const before = await duplicates();
    const transport = await f.system.runtime.transport();
    await transport.publish([
      {
        exchange: 'dhanman.events',
        routingKey: 'sales.invoice-created',
        messageId: original.message_id,
        body: original.body,
      },
      {
        exchange: 'dhanman.events',
        routingKey: 'sales.invoice-created',
        messageId: republished.messageId,
        body: JSON.stringify(republished),
      },
    ]);
    // Both copies handled by both consumers: the re-published one leaves inbox rows.
    await waitFor('both services to handle the re-published fact', async () => {
      const q = `SELECT count(*) AS n FROM inbox WHERE message_id = '${republished.messageId}'`;
      return (await f.count('common', q)) >= 1 && (await f.count('notification', q)) >= 1;
    });
    // The original copy again: both consumers must have seen it and called it a duplicate.
    await waitFor('the redelivered original to be recognised as a duplicate', async () => {
      const now = await duplicates();
      return now.common > before.common && now.notification > before.notification;
    });
    const journals = await f.api('common', 'GET', `/api/ledger/journals?referenceId=${invoiceId}`, {
      token: f.admin,
    });
    expect(journals.body.items).toHaveLength(1);
    expect(await f.mailsTo(customer.email)).toHaveLength(1);
    expect(
      (await f.api('common', 'GET', `/api/customers/${customer.id}`, { token: f.admin })).body.balance,
    ).toBe('99.99');
    expect(
      (await f.api('common', 'GET', '/api/ledger/trial-balance', { token: f.admin })).body.balanced,
    ).toBe(true);
  });

  it('makes one invoice for the same Idempotency-Key sent twice', async () => {
    const customer = await f.newCustomer();
    const body = { customerId: customer.id, amount: 10, dueDate: '2031-01-01' };
    const key = randomUUID();
    const first = await f.createInvoice(body, key);
    const second = await f.createInvoice(body, key);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(
      await f.count('sales', `SELECT count(*) AS n FROM invoice WHERE customer_id = '${customer.id}'`),
    ).toBe(1);
    const other = await f.createInvoice({ ...body, amount: 11 }, key);
    expect(other.status).toBe(422);
  });

  it('finds the invoice a key made even when the answer was never recorded (a crash after the commit)', async () => {
    const customer = await f.newCustomer();
    const body = { customerId: customer.id, amount: '15.00', dueDate: '2031-01-01' };
    const key = randomUUID();
    const first = await f.createInvoice(body, key);
    expect(first.status).toBe(201);
    // As if the process died between the commit and recording the HTTP answer.
    await f.db('sales').query('DELETE FROM idempotency_key WHERE key = $1', [key]);
    const retry = await f.createInvoice(body, key);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(
      await f.count('sales', `SELECT count(*) AS n FROM invoice WHERE customer_id = '${customer.id}'`),
    ).toBe(1);
  });

  it('numbers 50 concurrent invoices with 50 distinct consecutive numbers', async () => {
    const customer = await f.newCustomer();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        f.createInvoice({ customerId: customer.id, amount: '1.00', dueDate: '2031-01-01' }),
      ),
    );
    expect(answers.filter((a) => a.status !== 201).map((a) => a.body)).toEqual([]);
    const numbers = answers.map((a) => a.body.number as string);
    expect(new Set(numbers).size).toBe(50);
    const periods = new Set(numbers.map((n) => n.slice(0, 10)));
    expect(periods.size).toBe(1);
    const sequence = numbers.map((n) => Number(n.slice(11))).sort((a, b) => a - b);
    expect(sequence[49]! - sequence[0]!).toBe(49);
    const before = await f.count(
      'sales',
      `SELECT count(*) AS n FROM invoice WHERE number < '${numbers.sort()[0]}' AND number LIKE '${[...periods][0]}%'`,
    );
    expect(before).toBe(sequence[0]! - 1);
  });
});
