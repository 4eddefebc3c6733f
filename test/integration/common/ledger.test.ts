import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '#platform/data/db.js';
import { runMigrations } from '#platform/data/migrate.js';
import { serviceMigrationSources } from '#platform/host/migration-sources.js';
import { commonService } from '#services/common/index.js';
import {
  changeBalance,
  getCustomer,
  insertCustomer,
  moveBalanceAtCommit,
} from '#services/common/customers/store.js';
import { postJournal, postJournals } from '#services/common/ledger/journal-store.js';
import { credit, debit } from '#services/common/ledger/journal.js';
import { money } from '#services/common/ledger/money.js';
import { invoicePosting, paymentPosting } from '#services/common/ledger/posting-rules.js';
import {
  accountStatement,
  journalsByReference,
  recentJournals,
  trialBalance,
} from '#services/common/ledger/queries.js';
import { insertOrganization } from '#services/common/organizations/store.js';
import { backends } from '../data/backends.js';

async function freshOrganization(db: Db) {
  const org = {
    id: randomUUID(),
    name: 'Test Society',
    companies: [{ id: randomUUID(), name: 'Maintenance' }],
  };
  await insertOrganization(db, org);
  return { organizationId: org.id, companyId: org.companies[0]!.id };
}

describe.each(backends())('ledger on $name', (backend) => {
  let db: Db;

  beforeAll(async () => {
    db = await backend.open();
    await runMigrations(db, serviceMigrationSources(commonService));
  }, 60_000);
  afterAll(() => backend.close());

  it('posts an invoice once however often it is posted, concurrently too', async () => {
    const { organizationId, companyId } = await freshOrganization(db);
    const invoiceId = randomUUID();
    const input = {
      organizationId,
      companyId,
      referenceId: invoiceId,
      entryDate: '2025-01-15',
      ...invoicePosting({ number: 'INV-202501-0001', amount: '2500.50' }),
    };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => db.transaction((tx) => postJournal(tx, input, 'corr-1'))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.journalId)).size).toBe(1);
    const journals = await journalsByReference(db, organizationId, invoiceId);
    expect(journals).toHaveLength(1);
    expect(journals[0]).toMatchObject({
      referenceId: invoiceId,
      referenceType: 'invoice',
      postingKind: 'invoice',
    });
    expect(journals[0]!.lines).toEqual([
      { accountCode: '1200', debit: '2500.50', credit: '0.00' },
      { accountCode: '4000', debit: '0.00', credit: '2500.50' },
    ]);
    // Another organization sees nothing of it.
    const other = await freshOrganization(db);
    expect(await journalsByReference(db, other.organizationId, invoiceId)).toEqual([]);
  });

  it('the database itself refuses an unbalanced journal at commit', async () => {
    const { organizationId } = await freshOrganization(db);
    const journalId = randomUUID();
    const attempt = db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO journal (id, organization_id, reference_type, reference_id, posting_kind, description, entry_date)
         VALUES ($1, $2, 'invoice', $3, 'invoice', 'bad', '2025-01-01')`,
        [journalId, organizationId, randomUUID()],
      );
      await tx.query(
        `INSERT INTO journal_line (journal_id, organization_id, account_code, debit, credit)
         VALUES ($1, $2, '1200', 100, 0), ($1, $2, '4000', 0, 99.99)`,
        [journalId, organizationId],
      );
    });
    await expect(attempt).rejects.toThrow(/not balanced/);
    const lonely = db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO journal (id, organization_id, reference_type, reference_id, posting_kind, description, entry_date)
         VALUES ($1, $2, 'invoice', $3, 'invoice', 'no lines', '2025-01-01')`,
        [randomUUID(), organizationId, randomUUID()],
      );
    });
    await expect(lonely).rejects.toThrow(/not balanced/);
    const { rows } = await db.query<{ n: string }>(
      'SELECT count(*) AS n FROM journal WHERE organization_id = $1',
      [organizationId],
    );
    expect(rows[0]!.n).toBe('0');
  });

  it('the code refuses an unbalanced journal before writing', async () => {
    const { organizationId } = await freshOrganization(db);
    const post = db.transaction((tx) =>
      postJournal(tx, {
        organizationId,
        companyId: null,
        referenceId: randomUUID(),
        referenceType: 'manual',
        postingKind: 'invoice',
        description: 'bad',
        entryDate: '2025-01-01',
        lines: [debit('1200', money('10')), credit('4000', money('9'))],
      }),
    );
    await expect(post).rejects.toThrow(/do not equal/);
  });

  it('keeps the trial balance balanced, per company and date range, with account statements', async () => {
    const { organizationId, companyId } = await freshOrganization(db);
    const otherCompany = randomUUID();
    await db.query('INSERT INTO company (id, organization_id, name) VALUES ($1, $2, $3)', [
      otherCompany,
      organizationId,
      'Clubhouse',
    ]);
    const post = (company: string, date: string, posting: ReturnType<typeof invoicePosting>) =>
      db.transaction((tx) =>
        postJournal(tx, {
          organizationId,
          companyId: company,
          referenceId: randomUUID(),
          entryDate: date,
          ...posting,
        }),
      );
    await post(companyId, '2025-01-10', invoicePosting({ number: 'A', amount: '0.10' }));
    await post(companyId, '2025-01-20', invoicePosting({ number: 'B', amount: '0.20' }));
    await post(companyId, '2025-02-05', paymentPosting({ invoiceNumber: 'A', amount: '0.10' }));
    await post(otherCompany, '2025-01-15', invoicePosting({ number: 'C', amount: '1000000.00' }));

    const all = await trialBalance(db, organizationId, {});
    expect(all).toMatchObject({ totalDebit: '1000000.40', totalCredit: '1000000.40', balanced: true });
    const january = await trialBalance(db, organizationId, {
      companyId,
      from: '2025-01-01',
      to: '2025-01-31',
    });
    expect(january.accounts.map((a) => [a.accountCode, a.debit, a.credit])).toEqual([
      ['1200', '0.30', '0.00'],
      ['4000', '0.00', '0.30'],
    ]);
    expect(january.totalDebit).toBe('0.30');

    const receivable = await accountStatement(db, organizationId, '1200', { companyId, from: '2025-01-15' });
    expect(receivable).toMatchObject({ openingBalance: '0.10', closingBalance: '0.20' });
    expect(receivable!.lines.map((l) => l.balance)).toEqual(['0.30', '0.20']);
    expect(await accountStatement(db, organizationId, '9999', {})).toBeNull();
  });

  it('lists the newest journals by entry date with their lines, a page at a time, without repeats', async () => {
    const { organizationId, companyId } = await freshOrganization(db);
    const dates = ['2025-03-02', '2025-03-01', '2025-03-02', '2025-02-28', '2025-03-02'];
    for (const [i, entryDate] of dates.entries()) {
      await db.transaction((tx) =>
        postJournal(tx, {
          organizationId,
          companyId,
          referenceId: randomUUID(),
          entryDate,
          ...invoicePosting({ number: `P-${i}`, amount: `${i + 1}.00` }),
        }),
      );
    }
    const seen: Awaited<ReturnType<typeof recentJournals>> = [];
    let before: (typeof seen)[number]['position'] | undefined;
    for (;;) {
      // One more than the page, as the route asks: the extra row only says there is more.
      const rows = await recentJournals(db, organizationId, { limit: 3, before });
      const page = rows.slice(0, 2);
      seen.push(...page);
      if (rows.length <= 2) break;
      before = page[page.length - 1]!.position;
    }
    expect(seen.map((j) => j.entryDate)).toEqual([
      '2025-03-02',
      '2025-03-02',
      '2025-03-02',
      '2025-03-01',
      '2025-02-28',
    ]);
    expect(
      seen
        .slice(0, 3)
        .map((j) => j.description)
        .sort(),
    ).toEqual(['Invoice P-0', 'Invoice P-2', 'Invoice P-4']);
    expect(new Set(seen.map((j) => j.id)).size).toBe(5);
    expect(seen.at(-1)).toMatchObject({ description: 'Invoice P-3', referenceType: 'invoice' });
    expect(seen.at(-1)!.lines).toEqual([
      { accountCode: '1200', debit: '4.00', credit: '0.00' },
      { accountCode: '4000', debit: '0.00', credit: '4.00' },
    ]);
  });

  it('moves a customer balance once per reference', async () => {
    const { organizationId, companyId } = await freshOrganization(db);
    const c = await insertCustomer(db, {
      organizationId,
      companyId,
      name: 'Priya',
      email: 'priya@example.org',
    });
    const apply = (ref: string, delta: string) =>
      db.transaction((tx) => changeBalance(tx, organizationId, c.id, ref, delta));
    expect((await apply('invoice:1', '2500.00')).outcome).toBe('applied');
    const results = await Promise.all([apply('payment:1', '-1000.25'), apply('payment:1', '-1000.25')]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['applied', 'duplicate']);
    const after = await apply('invoice:1', '2500.00');
    expect(after).toMatchObject({ outcome: 'duplicate', customer: { balance: '1499.75' } });
    const other = await freshOrganization(db);
    expect(
      (await db.transaction((tx) => changeBalance(tx, other.organizationId, c.id, 'x', '1'))).outcome,
    ).toBe('not-found');
  });

  it("moves a fact's balance with the commit, once per reference; an unknown customer is noted, not moved", async () => {
    const { organizationId, companyId } = await freshOrganization(db);
    const c = await insertCustomer(db, {
      organizationId,
      companyId,
      name: 'Ravi',
      email: 'ravi@example.org',
    });
    const move = (customerId: string, ref: string, delta: string, rollBack = false) =>
      db.transaction(async (tx) => {
        moveBalanceAtCommit(tx, organizationId, customerId, ref, delta, `corr-${ref}`);
        if (rollBack) throw new Error('the handler failed after it');
        return (await getCustomer(tx, organizationId, customerId))?.balance;
      });
    // Not yet moved while the transaction runs; moved once it commits.
    expect(await move(c.id, 'invoice:7', '1200.50')).toBe('0.00');
    await move(c.id, 'invoice:7', '1200.50');
    await expect(move(c.id, 'payment:7', '-200.50', true)).rejects.toThrow('the handler failed');
    expect((await getCustomer(db, organizationId, c.id))?.balance).toBe('1200.50');
    const stranger = randomUUID();
    await move(stranger, 'invoice:8', '99.00');
    const { rows } = await db.query<{ action: string; detail: { customerId: string } }>(
      'SELECT action, detail FROM activity WHERE organization_id = $1 ORDER BY id',
      [organizationId],
    );
    expect(rows).toEqual([
      {
        action: 'customer.balance-skipped',
        detail: { customerId: stranger, reference: 'invoice:8', reason: 'unknown customer' },
      },
    ]);
  });

  it('posts a batch of journals in one statement: each document once, lines in order, activity for the new ones', async () => {
    const { organizationId, companyId } = await freshOrganization(db);
    const [a, b, before] = [randomUUID(), randomUUID(), randomUUID()];
    const journal = (invoiceId: string, amount: string) => ({
      input: {
        organizationId,
        companyId,
        referenceId: invoiceId,
        entryDate: '2025-03-01',
        ...invoicePosting({ number: `INV-${invoiceId.slice(0, 4)}`, amount }),
      },
      correlationId: `corr-${invoiceId}`,
      activityDetail: { referenceId: invoiceId },
    });
    await db.transaction((tx) => postJournal(tx, journal(before, '5.00').input));
    const ids = await db.transaction((tx) =>
      postJournals(tx, [
        journal(a, '10.00'),
        journal(b, '20.50'),
        journal(a, '10.00'),
        journal(before, '5.00'),
      ]),
    );
    expect(ids.map((id) => id !== undefined)).toEqual([true, true, false, false]);
    const [ja] = await journalsByReference(db, organizationId, a);
    expect(ja).toMatchObject({ id: ids[0], postingKind: 'invoice' });
    expect(ja!.lines).toEqual([
      { accountCode: '1200', debit: '10.00', credit: '0.00' },
      { accountCode: '4000', debit: '0.00', credit: '10.00' },
    ]);
    const { rows } = await db.query<{ correlation_id: string; detail: { journalId: string } }>(
      `SELECT correlation_id, detail FROM activity WHERE organization_id = $1 AND action = 'ledger.posted' ORDER BY id`,
      [organizationId],
    );
    expect(rows.map((r) => [r.correlation_id, r.detail.journalId]).sort()).toEqual(
      [
        [`corr-${a}`, ids[0]],
        [`corr-${b}`, ids[1]],
      ].sort(),
    );
  });
});
