import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stopCommon } from '../common/restart.js';
import { waitFor } from '../../support/wait.js';
import { FLOW_CASES, FlowSystem } from './flow-fixture.js';
import { mailboxReader, signUpOrganization, sinkReader } from '../../support/sign-up.js';

/**
 * What invoice creation refuses and survives: bad input, another organization's data, a failing
 * SMTP server, Common being down. Each answers clearly and leaves nothing half written.
 */
describe.each(FLOW_CASES)('invoice rules and failures on $name', (c) => {
  const f = FlowSystem.forTests(c);

  it('refuses bad input with a clear problem and writes nothing', async () => {
    const customer = await f.newCustomer();
    const invoices = () => f.count('sales', 'SELECT count(*) AS n FROM invoice');
    const outbox = () => f.count('sales', 'SELECT count(*) AS n FROM outbox');
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
      const res = await f.createInvoice(body, key);
      expect(res.status, what).toBe(status);
      expect(res.headers.get('content-type'), what).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(res.body.errors), what).toContain(field);
    }
    expect(await invoices()).toBe(invoicesBefore);
    expect(await outbox()).toBe(outboxBefore);
  });

  it('keeps organizations apart: another organization’s customer, invoice and ledger are not found', async () => {
    const suffix = randomUUID().slice(0, 8);
    await signUpOrganization(
      f.system,
      {
        name: `Lakeview Towers ${suffix}`,
        companyName: 'Lakeview Maintenance',
        admin: { email: `admin-${suffix}@lakeview.example`, name: 'Lata', password: 'lakeview-secret' },
      },
      f.flowCase.smtp ? sinkReader(f.sink) : mailboxReader(f.system),
    );
    const other = await f.system.login(`admin-${suffix}@lakeview.example`, 'lakeview-secret');
    const theirCustomer = await f.newCustomer(`tenant-${suffix}@lakeview.example`, other);
    const ours = await f.newCustomer();
    const ourInvoice = await f.createInvoice({ customerId: ours.id, amount: '5.00', dueDate: '2031-01-01' });
    const invoicesBefore = await f.count('sales', 'SELECT count(*) AS n FROM invoice');

    const cross = await f.createInvoice({
      customerId: theirCustomer.id,
      amount: '5.00',
      dueDate: '2031-01-01',
    });
    expect(cross.status).toBe(422);
    expect(cross.body.detail).toContain(theirCustomer.id);
    expect(await f.count('sales', 'SELECT count(*) AS n FROM invoice')).toBe(invoicesBefore);

    expect(
      (await f.api('common', 'GET', `/api/customers/${theirCustomer.id}`, { token: f.admin })).status,
    ).toBe(404);
    expect(
      (await f.api('sales', 'GET', `/api/invoices/${ourInvoice.body.id}`, { token: other })).status,
    ).toBe(404);
    const journals = await f.api('common', 'GET', `/api/ledger/journals?referenceId=${ourInvoice.body.id}`, {
      token: other,
    });
    expect(journals.body.items).toEqual([]);
    expect(
      (await f.api('common', 'GET', '/api/ledger/trial-balance', { token: other })).body.accounts,
    ).toEqual([]);
    expect(
      (await f.api('notification', 'GET', `/api/emails?to=${ours.email}`, { token: other })).body.items,
    ).toEqual([]);
  });

  // Only where mail goes through SMTP: the mailbox cannot fail this way.
  if (c.smtp)
    it('retries a failing SMTP server, dead-letters with the reason, and loses nothing', async () => {
      const customer = await f.newCustomer();
      f.sink.failing = true;
      const created = await f.createInvoice({
        customerId: customer.id,
        amount: '42.00',
        dueDate: '2031-01-01',
      });
      // Other invoices' mail may fail in the same window: find this invoice's message.
      const { rows } = await f
        .db('sales')
        .query<{ message_id: string }>(
          `SELECT message_id FROM outbox WHERE type = 'sales.invoice-created' AND body::jsonb -> 'payload' ->> 'invoiceId' = $1`,
          [created.body.id],
        );
      const messageId = rows[0]!.message_id;
      const letter = await waitFor('the dead letter', async () => {
        const res = await f.api(
          'notification',
          'GET',
          `/api/ops/dead-letters?status=open&messageId=${messageId}`,
          {
            token: f.admin,
          },
        );
        return res.body.items.find((d: { reason: string }) =>
          d.reason.includes('notification.invoices.invoice-created'),
        );
      });
      expect(letter.reason).toMatch(/451|temporarily unavailable/);
      expect(letter.attempts).toBe(4);
      expect(await f.mailsTo(customer.email)).toEqual([]);
      f.sink.failing = false;
      // A 503 here means the broker did not confirm the replay: try again, as an operator would.
      const replay = await waitFor('the replay to be accepted', async () => {
        const res = await f.api('notification', 'POST', `/api/ops/dead-letters/${letter.id}/replay`, {
          token: f.admin,
        });
        if (res.status === 503) return undefined;
        return res;
      });
      expect(replay.body).toMatchObject({ id: letter.id, status: 'replayed' });
      const mails = await waitFor('the replayed mail', async () => {
        const m = await f.mailsTo(customer.email);
        return m.length > 0 ? m : undefined;
      });
      expect(mails).toHaveLength(1);
      expect(mails[0]!.subject).toContain(created.body.number);
    });

  it('answers 503 fast and writes nothing while Common is down, and works again once it is back', async () => {
    const customer = await f.newCustomer();
    const invoicesBefore = await f.count('sales', 'SELECT count(*) AS n FROM invoice');
    const restart = await stopCommon(f.system);
    try {
      const key = randomUUID();
      const started = Date.now();
      const down = await f.createInvoice(
        { customerId: customer.id, amount: '7.00', dueDate: '2031-01-01' },
        key,
      );
      expect(down.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(down.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(down.body.detail).toMatch(/common/);
      expect(await f.count('sales', 'SELECT count(*) AS n FROM invoice')).toBe(invoicesBefore);

      await restart();
      const again = await waitFor('invoice creation to work again', async () => {
        const res = await f.createInvoice(
          { customerId: customer.id, amount: '7.00', dueDate: '2031-01-01' },
          key,
        );
        return res.status === 201 ? res : undefined;
      });
      expect(again.body.amount).toBe('7.00');
      expect(await f.count('sales', 'SELECT count(*) AS n FROM invoice')).toBe(invoicesBefore + 1);
    } finally {
      await restart().catch(() => undefined);
    }
  });
});
