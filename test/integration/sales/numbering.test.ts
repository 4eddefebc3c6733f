import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Db } from '../../../platform/data/db.js';
import { loadSqlMigrations, runMigrations } from '../../../platform/data/migrate.js';
import { openPostgres } from '../../../platform/data/postgres.js';
import { formatInvoiceNumber } from '../../../services/sales/invoices/numbering.js';
import { insertNumberedInvoice } from '../../../services/sales/invoices/store.js';
import { uniqueName } from '../../harness/unique-name.js';

describe('invoice numbering in SQL', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openPostgres({
      serverUrl: inject('databaseUrl'),
      service: 'sales',
      databasePrefix: uniqueName('num'),
    });
    await runMigrations(db, [
      {
        name: 'sales',
        migrations: loadSqlMigrations(new URL('../../../services/sales/migrations/', import.meta.url)),
      },
    ]);
  });
  afterAll(async () => db?.close());

  const invoice = (organizationId: string, issueDate: string) => ({
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
    correlationId: null,
    createdBy: null,
  });

  const create = (organizationId: string, issueDate: string) =>
    db.transaction((tx) => insertNumberedInvoice(tx, invoice(organizationId, issueDate)));

  it('formats like formatInvoiceNumber, per organization and month, past 9999', async () => {
    const org = randomUUID();
    expect(await create(org, '2025-01-31')).toBe(formatInvoiceNumber('202501', 1));
    expect(await create(org, '2025-02-01')).toBe(formatInvoiceNumber('202502', 1));
    expect(await create(randomUUID(), '2025-01-15')).toBe('INV-202501-0001');
    await db.query(
      `UPDATE invoice_counter SET last_number = 9998 WHERE organization_id = $1 AND period = '202501'`,
      [org],
    );
    expect(await create(org, '2025-01-02')).toBe(formatInvoiceNumber('202501', 9999));
    expect(await create(org, '2025-01-03')).toBe('INV-202501-10000');
  });

  it('gives a number back when its transaction rolls back (no gaps)', async () => {
    const org = randomUUID();
    await create(org, '2025-03-01');
    await expect(
      db.transaction(async (tx) => {
        await insertNumberedInvoice(tx, invoice(org, '2025-03-02'));
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await create(org, '2025-03-03')).toBe('INV-202503-0002');
  });

  it('writes the lines and the activity record with the invoice', async () => {
    const org = randomUUID();
    const inv = invoice(org, '2025-04-01');
    inv.draft.lines.push({ position: 2, description: 'y', quantity: 2, unitPrice: '0.50', amount: '1.00' });
    await db.transaction((tx) => insertNumberedInvoice(tx, inv, { correlationId: 'corr-numbering' }));
    const lines = await db.query<{ position: number; amount: string }>(
      'SELECT position, amount::text AS amount FROM invoice_line WHERE invoice_id = $1 ORDER BY position',
      [inv.id],
    );
    expect(lines.rows).toEqual([
      { position: 1, amount: '1.00' },
      { position: 2, amount: '1.00' },
    ]);
    const activity = await db.query<{ action: string }>(
      `SELECT action FROM activity WHERE correlation_id = 'corr-numbering' AND organization_id = $1`,
      [org],
    );
    expect(activity.rows).toEqual([{ action: 'invoice.created' }]);
  });
});
