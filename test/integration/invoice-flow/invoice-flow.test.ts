import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../platform/data/db.js';
import { startTestSystem, type Mode, type TestSystem } from '../../support/system.js';
import { apiOf, waitFor } from './api.js';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';
import { stopCommon } from '../common/restart.js';

/**
 * The invoice flow end to end: customer in Common -> invoice in Sales -> Common posts the ledger
 * and acknowledges -> Notification mails the customer, on RabbitMQ + PostgreSQL and on the
 * embedded default, through a real SMTP server (and through the embedded mailbox).
 */
const cases: Array<{ name: string; mode: Mode; smtp: boolean }> = [
  { name: 'RabbitMQ + PostgreSQL, SMTP', mode: 'distributed', smtp: true },
  { name: 'embedded (PGlite + in-process), SMTP', mode: 'embedded', smtp: true },
  { name: 'embedded default (mailbox)', mode: 'embedded', smtp: false },
];

describe.each(cases)('invoice flow on $name', ({ mode, smtp }) => {
  let system: TestSystem;
  let sink: SmtpSink;
  let api: ReturnType<typeof apiOf>;
  let admin: string;
  const db = (service: string): Db => system.services.find((s) => s.name === service)!.db!;

  beforeAll(async () => {
    sink = await startSmtpSink();
    system = await startTestSystem({
      mode,
      only: ['common', 'sales', 'notification'],
      env: {
        // 50 invoices at once on one embedded connection: the check with Common may wait its turn.
        HTTP_TIMEOUT_MS: '10000',
        ...(smtp ? { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(sink.port), SMTP_POOL_SIZE: '2' } : {}),
      },
    });
    api = apiOf(system);
    admin = await system.login('admin@demo.dhanman.local');
  });
  afterAll(async () => {
    await system?.stop();
    await sink?.close();
  });

  const newCustomer = async (email = `${randomUUID().slice(0, 8)}@residents.example`, token = admin) => {
    const res = await api('common', 'POST', '/api/customers', { token, body: { name: 'Anita Rao', email } });
    expect(res.status).toBe(201);
    return res.body as { id: string; email: string; name: string };
  };

  const createInvoice = (
    body: Record<string, unknown>,
    key: string | null = randomUUID(),
    extra: Record<string, string> = {},
  ) =>
    api('sales', 'POST', '/api/invoices', {
      token: admin,
      body,
      headers: { ...(key ? { 'idempotency-key': key } : {}), ...extra },
    });

  /** Mails to `to`: what the SMTP server received, or what the mailbox holds. */
  const mailsTo = async (to: string) => {
    if (smtp)
      return sink.mails
        .filter((m) => m.envelopeTo.includes(to))
        .map((m) => ({ subject: m.subject, text: m.text, html: m.html }));
    const list = await api('notification', 'GET', `/api/emails?to=${encodeURIComponent(to)}`, {
      token: admin,
    });
    return Promise.all(
      list.body.items.map(async (e: { id: string }) => {
        const full = await api('notification', 'GET', `/api/emails/${e.id}`, { token: admin });
        return {
          subject: full.body.subject as string,
          text: full.body.text as string,
          html: full.body.html as string,
        };
      }),
    );
  };

  const count = async (service: string, sql: string) =>
    Number((await db(service).query<{ n: string }>(sql)).rows[0]!.n);

  it('creates, posts, acknowledges and mails an invoice, all under one correlation id', async () => {
    const customer = await newCustomer();
    const correlationId = `flow-${randomUUID()}`;
    const created = await createInvoice(
      { customerId: customer.id, amount: '2500.50', dueDate: '2031-03-31' },
      randomUUID(),
      { 'x-correlation-id': correlationId },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'issued', amount: '2500.50', customerId: customer.id });
    expect(created.body.number).toMatch(/^INV-\d{6}-\d{4}$/);
    const invoiceId: string = created.body.id;

    const shown = await waitFor('the invoice to show posted', async () => {
      const res = await api('sales', 'GET', `/api/invoices/${invoiceId}`, { token: admin });
      return res.body.posted ? res.body : undefined;
    });
    expect(shown).toMatchObject({
      id: invoiceId,
      number: created.body.number,
      status: 'issued',
      amount: '2500.50',
      posted: true,
    });

    const journals = await api('common', 'GET', `/api/ledger/journals?referenceId=${invoiceId}`, {
      token: admin,
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
    const trial = await api('common', 'GET', '/api/ledger/trial-balance', { token: admin });
    expect(trial.body.balanced).toBe(true);
    expect(trial.body.totalDebit).toBe(trial.body.totalCredit);

    const [mail] = await waitFor('the email', async () => {
      const mails = await mailsTo(customer.email);
      return mails.length > 0 ? mails : undefined;
    });
    expect(mail!.subject).toBe(
      `Invoice ${created.body.number} from Green Meadows Residents Society: ₹2,500.50 due 2031-03-31`,
    );
    expect(mail!.text).toContain('₹2,500.50');
    expect(mail!.text).toContain('Anita Rao');
    expect(mail!.html).toContain(created.body.number);

    const listed = await api('notification', 'GET', `/api/emails?correlationId=${correlationId}`, {
      token: admin,
    });
    expect(listed.body.items).toEqual([
      expect.objectContaining({
        to: customer.email,
        subject: mail!.subject,
        template: 'invoice-created',
        correlationId,
      }),
    ]);
    const balance = await api('common', 'GET', `/api/customers/${customer.id}`, { token: admin });
    expect(balance.body.balance).toBe('2500.50');

    const trace = async (service: 'sales' | 'common' | 'notification') =>
      (await api(service, 'GET', `/api/ops/trace/${correlationId}`, { token: admin })).body.entries.map(
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
    const customer = await newCustomer();
    const created = await createInvoice({ customerId: customer.id, amount: '99.99', dueDate: '2031-01-01' });
    const invoiceId: string = created.body.id;
    await waitFor('posting and mail', async () => {
      const res = await api('sales', 'GET', `/api/invoices/${invoiceId}`, { token: admin });
      return res.body.posted && (await mailsTo(customer.email)).length === 1;
    });
    const { rows } = await db('sales').query<{ message_id: string; body: string }>(
      `SELECT message_id, body FROM outbox WHERE type = 'sales.invoice-created' AND body::jsonb -> 'payload' ->> 'invoiceId' = $1`,
      [invoiceId],
    );
    expect(rows).toHaveLength(1);
    const original = rows[0]!;
    const republished = { ...JSON.parse(original.body), messageId: randomUUID() };
    const transport = await system.runtime.transport();
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
      return (await count('common', q)) >= 1 && (await count('notification', q)) >= 1;
    });
    await new Promise((r) => setTimeout(r, 300)); // let the redelivered original copy be consumed too
    const journals = await api('common', 'GET', `/api/ledger/journals?referenceId=${invoiceId}`, {
      token: admin,
    });
    expect(journals.body.items).toHaveLength(1);
    expect(await mailsTo(customer.email)).toHaveLength(1);
    expect((await api('common', 'GET', `/api/customers/${customer.id}`, { token: admin })).body.balance).toBe(
      '99.99',
    );
    expect((await api('common', 'GET', '/api/ledger/trial-balance', { token: admin })).body.balanced).toBe(
      true,
    );
  });

  it('makes one invoice for the same Idempotency-Key sent twice', async () => {
    const customer = await newCustomer();
    const body = { customerId: customer.id, amount: 10, dueDate: '2031-01-01' };
    const key = randomUUID();
    const first = await createInvoice(body, key);
    const second = await createInvoice(body, key);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(
      await count('sales', `SELECT count(*) AS n FROM invoice WHERE customer_id = '${customer.id}'`),
    ).toBe(1);
    const other = await createInvoice({ ...body, amount: 11 }, key);
    expect(other.status).toBe(422);
  });

  it('numbers 50 concurrent invoices with 50 distinct consecutive numbers', async () => {
    const customer = await newCustomer();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        createInvoice({ customerId: customer.id, amount: '1.00', dueDate: '2031-01-01' }),
      ),
    );
    expect(answers.filter((a) => a.status !== 201).map((a) => a.body)).toEqual([]);
    const numbers = answers.map((a) => a.body.number as string);
    expect(new Set(numbers).size).toBe(50);
    const periods = new Set(numbers.map((n) => n.slice(0, 10)));
    expect(periods.size).toBe(1);
    const sequence = numbers.map((n) => Number(n.slice(11))).sort((a, b) => a - b);
    expect(sequence[49]! - sequence[0]!).toBe(49);
    const before = await count(
      'sales',
      `SELECT count(*) AS n FROM invoice WHERE number < '${numbers.sort()[0]}' AND number LIKE '${[...periods][0]}%'`,
    );
    expect(before).toBe(sequence[0]! - 1);
  });

  it('refuses bad input with a clear problem and writes nothing', async () => {
    const customer = await newCustomer();
    const invoices = () => count('sales', 'SELECT count(*) AS n FROM invoice');
    const outbox = () => count('sales', 'SELECT count(*) AS n FROM outbox');
    const [invoicesBefore, outboxBefore] = [await invoices(), await outbox()];
    const valid = { customerId: customer.id, amount: '100.00', dueDate: '2031-01-01' };
    const bad: Array<[string, Record<string, unknown>, string | null, number, string]> = [
      ['negative amount', { ...valid, amount: '-5.00' }, randomUUID(), 400, 'amount'],
      ['zero amount', { ...valid, amount: 0 }, randomUUID(), 400, 'amount'],
      ['three decimals', { ...valid, amount: '10.005' }, randomUUID(), 400, 'amount'],
      ['malformed date', { ...valid, dueDate: '31/01/2031' }, randomUUID(), 400, 'dueDate'],
      ['impossible date', { ...valid, dueDate: '2031-02-30' }, randomUUID(), 400, 'dueDate'],
      ['unknown customer', { ...valid, customerId: randomUUID() }, randomUUID(), 422, 'customerId'],
      ['missing key', valid, null, 400, 'idempotency-key'],
    ];
    for (const [what, body, key, status, field] of bad) {
      const res = await createInvoice(body, key);
      expect(res.status, what).toBe(status);
      expect(res.headers.get('content-type'), what).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(res.body.errors), what).toContain(field);
    }
    expect(await invoices()).toBe(invoicesBefore);
    expect(await outbox()).toBe(outboxBefore);
  });

  it('keeps organizations apart: another organization’s customer, invoice and ledger are not found', async () => {
    const suffix = randomUUID().slice(0, 8);
    const signup = await api('common', 'POST', '/api/organizations', {
      body: {
        name: `Lakeview Towers ${suffix}`,
        companyName: 'Lakeview Maintenance',
        admin: { email: `admin-${suffix}@lakeview.example`, name: 'Lata', password: 'lakeview-secret' },
      },
    });
    expect(signup.status).toBe(201);
    const other = await system.login(`admin-${suffix}@lakeview.example`, 'lakeview-secret');
    const theirCustomer = await newCustomer(`tenant-${suffix}@lakeview.example`, other);
    const ours = await newCustomer();
    const ourInvoice = await createInvoice({ customerId: ours.id, amount: '5.00', dueDate: '2031-01-01' });
    const invoicesBefore = await count('sales', 'SELECT count(*) AS n FROM invoice');

    const cross = await createInvoice({
      customerId: theirCustomer.id,
      amount: '5.00',
      dueDate: '2031-01-01',
    });
    expect(cross.status).toBe(422);
    expect(cross.body.detail).toContain(theirCustomer.id);
    expect(await count('sales', 'SELECT count(*) AS n FROM invoice')).toBe(invoicesBefore);

    expect((await api('common', 'GET', `/api/customers/${theirCustomer.id}`, { token: admin })).status).toBe(
      404,
    );
    expect((await api('sales', 'GET', `/api/invoices/${ourInvoice.body.id}`, { token: other })).status).toBe(
      404,
    );
    const journals = await api('common', 'GET', `/api/ledger/journals?referenceId=${ourInvoice.body.id}`, {
      token: other,
    });
    expect(journals.body.items).toEqual([]);
    expect((await api('common', 'GET', '/api/ledger/trial-balance', { token: other })).body.accounts).toEqual(
      [],
    );
    expect(
      (await api('notification', 'GET', `/api/emails?to=${ours.email}`, { token: other })).body.items,
    ).toEqual([]);
  });

  // Only where mail goes through SMTP: the mailbox cannot fail this way.
  if (smtp)
    it('retries a failing SMTP server, dead-letters with the reason, and loses nothing', async () => {
      const customer = await newCustomer();
      sink.failing = true;
      const created = await createInvoice({
        customerId: customer.id,
        amount: '42.00',
        dueDate: '2031-01-01',
      });
      const letter = await waitFor('the dead letter', async () => {
        const res = await api(
          'notification',
          'GET',
          '/api/ops/dead-letters?status=open&type=sales.invoice-created',
          { token: admin },
        );
        return res.body.items.find((d: { reason: string }) =>
          d.reason.includes('notification.mail.invoice-created'),
        );
      });
      expect(letter.reason).toMatch(/451|temporarily unavailable/);
      expect(letter.attempts).toBe(4);
      expect(await mailsTo(customer.email)).toEqual([]);
      sink.failing = false;
      // A 503 here means the broker did not confirm the replay: try again, as an operator would.
      const replay = await waitFor('the replay to be accepted', async () => {
        const res = await api('notification', 'POST', `/api/ops/dead-letters/${letter.id}/replay`, {
          token: admin,
        });
        if (res.status === 503) return undefined;
        return res;
      });
      expect(replay.body).toMatchObject({ id: letter.id, status: 'replayed' });
      const mails = await waitFor('the replayed mail', async () => {
        const m = await mailsTo(customer.email);
        return m.length > 0 ? m : undefined;
      });
      expect(mails).toHaveLength(1);
      expect(mails[0]!.subject).toContain(created.body.number);
    });

  it('answers 503 fast and writes nothing while Common is down, and works again once it is back', async () => {
    const customer = await newCustomer();
    const invoicesBefore = await count('sales', 'SELECT count(*) AS n FROM invoice');
    const restart = await stopCommon(system);
    try {
      const key = randomUUID();
      const started = Date.now();
      const down = await createInvoice(
        { customerId: customer.id, amount: '7.00', dueDate: '2031-01-01' },
        key,
      );
      expect(down.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(down.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(down.body.detail).toMatch(/common/);
      expect(await count('sales', 'SELECT count(*) AS n FROM invoice')).toBe(invoicesBefore);

      await restart();
      const again = await waitFor('invoice creation to work again', async () => {
        const res = await createInvoice(
          { customerId: customer.id, amount: '7.00', dueDate: '2031-01-01' },
          key,
        );
        return res.status === 201 ? res : undefined;
      });
      expect(again.body.amount).toBe('7.00');
      expect(await count('sales', 'SELECT count(*) AS n FROM invoice')).toBe(invoicesBefore + 1);
    } finally {
      await restart().catch(() => undefined);
    }
  });
});
