import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../../support/system.js';
import { apiOf } from '../../support/api.js';

/** Sales' invoice API beyond creation: lines, reading, listing with a cursor, mail requests. */
describe('Sales invoices over HTTP (embedded)', () => {
  let system: TestSystem;
  let api: ReturnType<typeof apiOf>;
  let admin: string;
  let customerId: string;

  beforeAll(async () => {
    system = await startTestSystem({ mode: 'embedded', only: ['common', 'sales'] });
    api = apiOf(system);
    admin = await system.login('admin@demo.dhanman.local');
    const c = await api('common', 'POST', '/api/customers', {
      token: admin,
      body: { name: 'Lines Test', email: `lines-${randomUUID().slice(0, 6)}@example.org` },
    });
    customerId = c.body.id;
  });
  afterAll(async () => system?.stop());

  const create = (body: Record<string, unknown>) =>
    api('sales', 'POST', '/api/invoices', {
      token: admin,
      body,
      headers: { 'idempotency-key': randomUUID() },
    });

  it('totals invoice lines exactly and shows them', async () => {
    const created = await create({
      customerId,
      dueDate: '2031-02-28',
      description: 'February charges',
      lines: [
        { description: 'Maintenance', unitPrice: '2500.10', quantity: 3 },
        { description: 'Water', unitPrice: 0.2 },
      ],
    });
    expect(created.status).toBe(201);
    expect(created.body.amount).toBe('7500.50');
    const shown = await api('sales', 'GET', `/api/invoices/${created.body.id}`, { token: admin });
    expect(shown.body).toMatchObject({
      amount: '7500.50',
      description: 'February charges',
      customerName: 'Lines Test',
    });
    expect(shown.body.lines).toEqual([
      { position: 1, description: 'Maintenance', quantity: 3, unitPrice: '2500.10', amount: '7500.30' },
      { position: 2, description: 'Water', quantity: 1, unitPrice: '0.20', amount: '0.20' },
    ]);
    const mismatch = await create({
      customerId,
      dueDate: '2031-02-28',
      amount: '1.00',
      lines: [{ description: 'x', unitPrice: '2.00' }],
    });
    expect(mismatch.status).toBe(422);
    const early = await create({ customerId, amount: '1.00', dueDate: '2020-01-01' });
    expect(early.status).toBe(422);
    expect(early.body.errors[0].path).toBe('dueDate');
  });

  it('lists a customer’s invoices newest first, page by page', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await create({ customerId, amount: `${i + 1}.00`, dueDate: '2031-03-01' })).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ id: string }>; nextCursor: string | null } } = await api(
        'sales',
        'GET',
        `/api/invoices?customerId=${customerId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: admin },
      );
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((i) => i.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.slice(0, 5)).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('answers 404 for an invoice that is not there, and 202 for a mail request', async () => {
    const missing = randomUUID();
    expect((await api('sales', 'GET', `/api/invoices/${missing}`, { token: admin })).status).toBe(404);
    expect((await api('sales', 'POST', `/api/invoices/${missing}/send-email`, { token: admin })).status).toBe(
      404,
    );
    const created = await create({ customerId, amount: '9.00', dueDate: '2031-03-01' });
    const sent = await api('sales', 'POST', `/api/invoices/${created.body.id}/send-email`, { token: admin });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ invoiceId: created.body.id, status: 'queued' });
    const { rows } = await system.services
      .find((s) => s.name === 'sales')!
      .db!.query<{ routing_key: string }>(`SELECT routing_key FROM outbox WHERE message_id = $1`, [
        sent.body.messageId,
      ]);
    expect(rows).toEqual([{ routing_key: 'notification.commands' }]);
  });
});
