import type { Queryable } from '#platform/data/db.js';
import { money, moneyText, sum } from './money.js';

/** Read side of the ledger: every query is scoped by the caller's organization. */

export interface JournalView {
  id: string;
  referenceId: string;
  referenceType: string;
  postingKind: string;
  description: string;
  entryDate: string;
  companyId: string | null;
  createdAt: string;
  lines: Array<{ accountCode: string; debit: string; credit: string }>;
}

interface JournalRow {
  id: string;
  reference_id: string;
  reference_type: string;
  posting_kind: string;
  description: string;
  entry_date: string;
  company_id: string | null;
  created_at: Date | string;
  created_at_micros: string;
  account_code: string;
  debit: string;
  credit: string;
}

const JOURNAL_COLUMNS = `j.id, j.reference_id, j.reference_type, j.posting_kind, j.description,
            to_char(j.entry_date, 'YYYY-MM-DD') AS entry_date, j.company_id, j.created_at,
            (extract(epoch FROM j.created_at) * 1000000)::bigint::text AS created_at_micros,
            l.account_code, l.debit::text AS debit, l.credit::text AS credit`;

export async function journalsByReference(
  q: Queryable,
  organizationId: string,
  referenceId: string,
): Promise<JournalView[]> {
  const { rows } = await q.query<JournalRow>(
    `SELECT ${JOURNAL_COLUMNS}
       FROM journal j JOIN journal_line l ON l.journal_id = j.id
      WHERE j.organization_id = $1 AND j.reference_id = $2
      ORDER BY j.created_at, j.id, l.id`,
    [organizationId, referenceId],
  );
  return withLines(rows).map(({ position: _p, ...journal }) => journal);
}

/**
 * Where a page of journals ends: entry date, then creation (microseconds since the epoch: exact,
 * and a cursor can carry nothing the database would refuse), then id; all descending.
 */
export interface JournalPosition {
  entryDate: string;
  createdAtMicros: string;
  id: string;
}

/**
 * The newest journals by entry date with their lines, a page at a time. The order follows the
 * (organization, entry date) index, so a page reads only its own journals.
 */
export async function recentJournals(
  q: Queryable,
  organizationId: string,
  page: { limit: number; before?: JournalPosition | undefined },
): Promise<Array<JournalView & { position: JournalPosition }>> {
  const params: unknown[] = [organizationId];
  let where = 'organization_id = $1';
  if (page.before) {
    params.push(page.before.entryDate, page.before.createdAtMicros, page.before.id);
    where += ` AND (entry_date, created_at, id)
                 < ($2::date, 'epoch'::timestamptz + $3::bigint * interval '1 microsecond', $4::uuid)`;
  }
  params.push(page.limit);
  const { rows } = await q.query<JournalRow>(
    `WITH page AS (
       SELECT * FROM journal WHERE ${where}
        ORDER BY entry_date DESC, created_at DESC, id DESC LIMIT $${params.length}
     )
     SELECT ${JOURNAL_COLUMNS}
       FROM page j JOIN journal_line l ON l.journal_id = j.id
      ORDER BY j.entry_date DESC, j.created_at DESC, j.id DESC, l.id`,
    params,
  );
  return withLines(rows);
}

/** Rows of journal lines (ordered by journal) folded into journals with their lines, in that order. */
function withLines(rows: JournalRow[]): Array<JournalView & { position: JournalPosition }> {
  const byId = new Map<string, JournalView & { position: JournalPosition }>();
  for (const r of rows) {
    let journal = byId.get(r.id);
    if (!journal) {
      journal = {
        id: r.id,
        referenceId: r.reference_id,
        referenceType: r.reference_type,
        postingKind: r.posting_kind,
        description: r.description,
        entryDate: r.entry_date,
        companyId: r.company_id,
        createdAt: new Date(r.created_at).toISOString(),
        lines: [],
        position: { entryDate: r.entry_date, createdAtMicros: r.created_at_micros, id: r.id },
      };
      byId.set(r.id, journal);
    }
    journal.lines.push({ accountCode: r.account_code, debit: r.debit, credit: r.credit });
  }
  return [...byId.values()];
}

export interface PeriodFilter {
  companyId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

function periodClause(filter: PeriodFilter, params: unknown[]): string {
  const parts: string[] = [];
  if (filter.companyId) {
    params.push(filter.companyId);
    parts.push(`j.company_id = $${params.length}`);
  }
  if (filter.from) {
    params.push(filter.from);
    parts.push(`j.entry_date >= $${params.length}::date`);
  }
  if (filter.to) {
    params.push(filter.to);
    parts.push(`j.entry_date <= $${params.length}::date`);
  }
  return parts.map((p) => ` AND ${p}`).join('');
}

export interface TrialBalance {
  accounts: Array<{ accountCode: string; name: string; type: string; debit: string; credit: string }>;
  totalDebit: string;
  totalCredit: string;
  balanced: boolean;
}

/** Totals of debits and credits per account for the period (accounts with no postings are left out). */
export async function trialBalance(
  q: Queryable,
  organizationId: string,
  filter: PeriodFilter,
): Promise<TrialBalance> {
  const params: unknown[] = [organizationId];
  const where = periodClause(filter, params);
  const { rows } = await q.query<{ code: string; name: string; type: string; debit: string; credit: string }>(
    `SELECT a.code, a.name, a.type, sum(l.debit)::text AS debit, sum(l.credit)::text AS credit
       FROM journal_line l
       JOIN journal j ON j.id = l.journal_id
       JOIN account a ON a.organization_id = l.organization_id AND a.code = l.account_code
      WHERE l.organization_id = $1 AND j.organization_id = $1${where}
      GROUP BY a.code, a.name, a.type
      ORDER BY a.code`,
    params,
  );
  const accounts = rows.map((r) => ({
    accountCode: r.code,
    name: r.name,
    type: r.type,
    debit: moneyText(money(r.debit)),
    credit: moneyText(money(r.credit)),
  }));
  const totalDebit = sum(accounts.map((a) => money(a.debit)));
  const totalCredit = sum(accounts.map((a) => money(a.credit)));
  return {
    accounts,
    totalDebit: moneyText(totalDebit),
    totalCredit: moneyText(totalCredit),
    balanced: totalDebit.equals(totalCredit),
  };
}

export interface StatementLine {
  journalId: string;
  entryDate: string;
  description: string;
  referenceType: string;
  referenceId: string;
  debit: string;
  credit: string;
  /** Running balance, debit-positive. */
  balance: string;
}

export interface AccountStatement {
  account: { code: string; name: string; type: string };
  openingBalance: string;
  lines: StatementLine[];
  closingBalance: string;
}

/** An account's movements in the period with a running balance (debit minus credit). */
export async function accountStatement(
  q: Queryable,
  organizationId: string,
  accountCode: string,
  filter: PeriodFilter,
): Promise<AccountStatement | null> {
  const account = await q.query<{ code: string; name: string; type: string }>(
    'SELECT code, name, type FROM account WHERE organization_id = $1 AND code = $2',
    [organizationId, accountCode],
  );
  if (!account.rows[0]) return null;
  const openingParams: unknown[] = [organizationId, accountCode];
  const openingFilter = { companyId: filter.companyId, to: undefined, from: undefined };
  let openingWhere = periodClause(openingFilter, openingParams);
  if (filter.from) {
    openingParams.push(filter.from);
    openingWhere += ` AND j.entry_date < $${openingParams.length}::date`;
  }
  const opening = filter.from
    ? await q.query<{ balance: string | null }>(
        `SELECT sum(l.debit - l.credit)::text AS balance FROM journal_line l JOIN journal j ON j.id = l.journal_id
          WHERE l.organization_id = $1 AND l.account_code = $2${openingWhere}`,
        openingParams,
      )
    : { rows: [{ balance: '0' }] };
  const params: unknown[] = [organizationId, accountCode];
  const where = periodClause(filter, params);
  const { rows } = await q.query<{
    journal_id: string;
    entry_date: string;
    description: string;
    reference_type: string;
    reference_id: string;
    debit: string;
    credit: string;
  }>(
    `SELECT j.id AS journal_id, to_char(j.entry_date, 'YYYY-MM-DD') AS entry_date, j.description,
            j.reference_type, j.reference_id, l.debit::text AS debit, l.credit::text AS credit
       FROM journal_line l JOIN journal j ON j.id = l.journal_id
      WHERE l.organization_id = $1 AND l.account_code = $2${where}
      ORDER BY j.entry_date, j.created_at, l.id`,
    params,
  );
  let running = money(opening.rows[0]?.balance ?? '0');
  const openingBalance = moneyText(running);
  const lines = rows.map((r) => {
    running = running.plus(money(r.debit)).minus(money(r.credit));
    return {
      journalId: r.journal_id,
      entryDate: r.entry_date,
      description: r.description,
      referenceType: r.reference_type,
      referenceId: r.reference_id,
      debit: moneyText(money(r.debit)),
      credit: moneyText(money(r.credit)),
      balance: moneyText(running),
    };
  });
  return { account: account.rows[0], openingBalance, lines, closingBalance: moneyText(running) };
}
