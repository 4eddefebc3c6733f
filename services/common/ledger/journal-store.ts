import { randomUUID } from 'node:crypto';
import type { Queryable } from '#platform/data/db.js';
import { activityCte } from '#platform/observability/activity.js';
import { assertBalanced, type JournalInput } from './journal.js';
import { moneyText } from './money.js';

export interface PostResult {
  journalId: string;
  /** False when this (document, posting kind) was already posted: nothing was written. */
  created: boolean;
}

/**
 * Writes a journal and its lines in the caller's transaction, once per (organization, source
 * document, posting kind). A second posting of the same document returns the first journal.
 */
export async function postJournal(
  tx: Queryable,
  input: JournalInput,
  correlationId?: string,
  /** Written with the journal (only when it is really posted), in the same statement. */
  activityDetail?: Record<string, unknown>,
): Promise<PostResult> {
  assertBalanced(input.lines);
  const id = randomUUID();
  const params: unknown[] = [
    id,
    input.organizationId,
    input.companyId,
    input.referenceType,
    input.referenceId,
    input.postingKind,
    input.description,
    input.entryDate,
    correlationId ?? null,
  ];
  const values = input.lines.map((line) => {
    params.push(line.accountCode, moneyText(line.debit), moneyText(line.credit), line.customerId ?? null);
    const n = params.length;
    return `($${n - 3}, $${n - 2}::numeric, $${n - 1}::numeric, $${n}::uuid)`;
  });
  const record =
    activityDetail && correlationId
      ? `${activityCte('activity_row', params, 'ledger.posted', { ...activityDetail, journalId: id }, { correlationId, organizationId: input.organizationId }, 'journal_row')},`
      : '';
  // The journal and its lines in one statement; nothing at all when the document is already posted.
  const { rows } = await tx.query<{ journal_id: string }>(
    `WITH journal_row AS (
       INSERT INTO journal (id, organization_id, company_id, reference_type, reference_id, posting_kind,
                            description, entry_date, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (organization_id, reference_id, posting_kind) DO NOTHING
       RETURNING id, organization_id
     ), ${record}
     line_rows AS (
     INSERT INTO journal_line (journal_id, organization_id, account_code, debit, credit, customer_id)
     SELECT journal_row.id, journal_row.organization_id, v.account_code, v.debit, v.credit, v.customer_id
       FROM journal_row, (VALUES ${values.join(', ')}) AS v (account_code, debit, credit, customer_id)
     RETURNING journal_id
     )
     SELECT journal_id FROM line_rows`,
    params,
  );
  if (rows.length > 0) return { journalId: id, created: true };
  const existing = await findPosting(tx, input.organizationId, input.referenceId, input.postingKind);
  if (!existing) throw new Error(`journal for ${input.referenceId}/${input.postingKind} vanished`);
  return { journalId: existing.id, created: false };
}

/** The codes of the organization's chart among those given. */
export async function knownAccounts(
  q: Queryable,
  organizationId: string,
  codes: string[],
): Promise<Set<string>> {
  const { rows } = await q.query<{ code: string }>(
    'SELECT code FROM account WHERE organization_id = $1 AND code = ANY($2::text[])',
    [organizationId, codes],
  );
  return new Set(rows.map((r) => r.code));
}

export async function findPosting(
  q: Queryable,
  organizationId: string,
  referenceId: string,
  postingKind: string,
): Promise<{ id: string; amount: string } | null> {
  const { rows } = await q.query<{ id: string; amount: string }>(
    `SELECT j.id, (SELECT sum(l.debit)::text FROM journal_line l WHERE l.journal_id = j.id) AS amount
       FROM journal j
      WHERE j.organization_id = $1 AND j.reference_id = $2 AND j.posting_kind = $3`,
    [organizationId, referenceId, postingKind],
  );
  return rows[0] ?? null;
}
