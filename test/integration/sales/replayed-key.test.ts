import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '#platform/data/db.js';
import { outboxBus } from '#platform/messaging/outbox-bus.js';
import {
  createInvoice,
  invoiceWriter,
  type CustomerDirectory,
  type CreateInvoiceRequest,
} from '#services/sales/invoices/create.js';
import { openSalesDb } from './sales-db.js';

/**
 * The invoice keeps its Idempotency-Key. When a retry gets past the HTTP layer's record (the
 * process died between the invoice's commit and recording the answer), the write meets the key
 * on the invoice and the caller gets the invoice made the first time, not a second one.
 */
describe('an Idempotency-Key replayed past the HTTP record', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openSalesDb('key');
  });
  afterAll(async () => db?.close());

  it('answers with the invoice made the first time, and writes nothing more', async () => {
    const organizationId = randomUUID();
    const customerId = randomUUID();
    // Common's answer for the customer (the HTTP client is tested on its own).
    const customers: CustomerDirectory = {
      find: async (_org, id) => ({ id, name: 'Asha Rao', email: 'asha@example.org', companyId: null }),
    };
    const writer = invoiceWriter(db, outboxBus({ service: 'sales' }));
    const request = (idempotencyKey: string): CreateInvoiceRequest => ({
      organizationId,
      createdBy: null,
      body: { customerId, amount: '1500.00', dueDate: '2026-12-10' },
      correlationId: randomUUID(),
      causationId: null,
      idempotencyKey,
      today: '2026-11-24',
    });
    const key = randomUUID();
    const first = await createInvoice(db, writer, customers, request(key));
    const again = await Promise.all([1, 2].map(() => createInvoice(db, writer, customers, request(key))));
    const other = await createInvoice(db, writer, customers, request(randomUUID()));

    expect(first).toMatchObject({ kind: 'created', invoice: { number: 'INV-202611-0001' } });
    for (const replay of again) expect(replay).toEqual(first);
    expect(other).toMatchObject({ kind: 'created', invoice: { number: 'INV-202611-0002' } });
    const count = async (sql: string) =>
      Number((await db.query<{ n: number }>(sql, [organizationId])).rows[0]!.n);
    expect(await count(`SELECT count(*)::int AS n FROM invoice WHERE organization_id = $1`)).toBe(2);
    expect(
      await count(`SELECT count(*)::int AS n FROM outbox WHERE body::jsonb ->> 'organizationId' = $1::text`),
    ).toBe(2);
  });
});
