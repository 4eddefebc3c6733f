import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '#platform/data/db.js';
import { insertNumberedInvoices, type NewInvoice } from '#services/sales/invoices/numbered-insert.js';
import { formatInvoiceNumber, periodOf } from '#services/sales/invoices/numbering.js';
import { openSalesDb } from './sales-db.js';

describe('invoice numbering in SQL', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openSalesDb('num');
  });
  afterAll(async () => db?.close());

  const invoice = (
    organizationId: string,
    issueDate: string,
    correlationId = 'corr-numbering',
  ): NewInvoice => ({
    id: randomUUID(),
    organizationId,
    companyId: null,
    customer: { id: randomUUID(), name: 'N', email: 'n@example.org' },
    draft: {
      customerId: randomUUID(),
      amount: '1.00',
      issueDate,
      dueDate: issueDate,
      description: null,
      lines: [{ position: 1, description: 'x', quantity: 1, unitPrice: '1.00', amount: '1.00' }],
    },
    correlationId,
    idempotencyKey: null,
    createdBy: null,
  });

  const create = (organizationId: string, issueDate: string, count = 1) =>
    db.transaction((tx) =>
      insertNumberedInvoices(
        tx,
        organizationId,
        periodOf(issueDate),
        Array.from({ length: count }, () => invoice(organizationId, issueDate)),
      ),
    );

  it('formats like formatInvoiceNumber, per organization and month, past 9999', async () => {
    const org = randomUUID();
    expect(await create(org, '2025-01-31')).toEqual([formatInvoiceNumber('202501', 1)]);
    expect(await create(org, '2025-02-01')).toEqual([formatInvoiceNumber('202502', 1)]);
    expect(await create(randomUUID(), '2025-01-15')).toEqual(['INV-202501-0001']);
    await db.query(
      `UPDATE invoice_counter SET last_number = 9997 WHERE organization_id = $1 AND period = '202501'`,
      [org],
    );
    expect(await create(org, '2025-01-02', 3)).toEqual([
      formatInvoiceNumber('202501', 9998),
      'INV-202501-9999',
      'INV-202501-10000',
    ]);
  });

  it('numbers a group consecutively in the order given, and writes their lines and activity', async () => {
    const org = randomUUID();
    await create(org, '2025-05-01');
    const group = [
      invoice(org, '2025-05-02', 'c-a'),
      invoice(org, '2025-05-03', 'c-b'),
      invoice(org, '2025-05-04', 'c-c'),
    ];
    group[1]!.draft.lines.push({
      position: 2,
      description: 'y',
      quantity: 2,
      unitPrice: '0.50',
      amount: '1.00',
    });
    const numbers = await db.transaction((tx) => insertNumberedInvoices(tx, org, '202505', group));
    expect(numbers).toEqual(['INV-202505-0002', 'INV-202505-0003', 'INV-202505-0004']);
    const lines = await db.query<{ n: string }>(
      'SELECT count(*) AS n FROM invoice_line WHERE invoice_id = $1',
      [group[1]!.id],
    );
    expect(lines.rows[0]!.n).toBe('2');
    const activity = await db.query<{ correlation_id: string }>(
      `SELECT correlation_id FROM activity WHERE organization_id = $1 AND action = 'invoice.created' ORDER BY correlation_id`,
      [org],
    );
    expect(activity.rows.map((r) => r.correlation_id)).toEqual(['c-a', 'c-b', 'c-c', 'corr-numbering']);
  });

  it('gives the numbers back when the transaction rolls back (no gaps)', async () => {
    const org = randomUUID();
    await create(org, '2025-03-01');
    await expect(
      db.transaction(async (tx) => {
        await insertNumberedInvoices(tx, org, '202503', [
          invoice(org, '2025-03-02'),
          invoice(org, '2025-03-02'),
        ]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await create(org, '2025-03-03')).toEqual(['INV-202503-0002']);
  });
});
