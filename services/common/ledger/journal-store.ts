import { randomUUID } from 'node:crypto';
import type { Queryable } from '#platform/data/db.js';
import { activityRowsCte } from '#platform/observability/activity.js';
import { assertBalanced, type JournalInput } from './journal.js';
import { moneyText } from './money.js';

export interface PostResult {
  journalId: string;
  /** False when this (document, posting kind) was already posted: nothing was written. */
  created: boolean;
}

/** A journal to post, with what its activity record says when it is really posted. */
export interface JournalPost {
  input: JournalInput;
  correlationId?: string | undefined;
  /** Written with the journal (only when it is really posted), in the same statement. */
  activityDetail?: Record<string, unknown> | undefined;
}

/**
 * Writes a journal and its lines in the caller's transaction, once per (organization, source
 * document, posting kind). A second posting of the same document returns the first journal.
 */
export async function postJournal(
  tx: Queryable,
  input: JournalInput,
  correlationId?: string,
  activityDetail?: Record<string, unknown>,
): Promise<PostResult> {
  const [created] = await postJournals(tx, [{ input, correlationId, activityDetail }]);
  return postedOrExisting(tx, input, created);
}

/** The outcome of a posting `postJournals` answered: the new journal, or the one posted before. */
export async function postedOrExisting(
  tx: Queryable,
  input: JournalInput,
  createdId: string | undefined,
): Promise<PostResult> {
  if (createdId) return { journalId: createdId, created: true };
  const existing = await findPosting(tx, input.organizationId, input.referenceId, input.postingKind);
  if (!existing) throw new Error(`journal for ${input.referenceId}/${input.postingKind} vanished`);
  return { journalId: existing.id, created: false };
}

/**
 * Writes several journals, their lines and their activity in one statement (a batch of facts
 * handled in one transaction: one round trip, not one per fact). Answers, in order, the new
 * journal's id, or undefined where that document was already posted (before, or earlier in the
 * same list): nothing is written for it.
 */
export async function postJournals(
  tx: Queryable,
  posts: readonly JournalPost[],
): Promise<Array<string | undefined>> {
  const journals = posts.map((p) => {
    assertBalanced(p.input.lines);
    return { ...p, id: randomUUID() };
  });
  const col = <T>(f: (j: (typeof journals)[number]) => T) => journals.map(f);
  const lines = journals.flatMap((j) => j.input.lines.map((line) => ({ journalId: j.id, line })));
  const params: unknown[] = [
    col((j) => j.id),
    col((j) => j.input.organizationId),
    col((j) => j.input.companyId),
    col((j) => j.input.referenceType),
    col((j) => j.input.referenceId),
    col((j) => j.input.postingKind),
    col((j) => j.input.description),
    col((j) => j.input.entryDate),
    col((j) => j.correlationId ?? null),
    // The activity's detail, or null for a journal posted without one.
    col((j) =>
      j.activityDetail && j.correlationId ? JSON.stringify({ ...j.activityDetail, journalId: j.id }) : null,
    ),
    lines.map((l) => l.journalId),
    lines.map((l) => l.line.accountCode),
    lines.map((l) => moneyText(l.line.debit)),
    lines.map((l) => moneyText(l.line.credit)),
    lines.map((l) => l.line.customerId ?? null),
  ];
  const activity = activityRowsCte('activity_rows', params, 'ledger.posted', {
    correlationId: 'i.correlation_id',
    organizationId: 'i.organization_id',
    detail: 'i.activity',
    from: 'journal_rows r JOIN input i ON i.id = r.id WHERE i.activity IS NOT NULL',
  });
  // Nothing at all for a document already posted; lines in the order given (they are read by id).
  const { rows } = await tx.query<{ id: string }>(
    `WITH input AS (
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::text[],
                            $7::text[], $8::date[], $9::text[], $10::jsonb[])
         AS t (id, organization_id, company_id, reference_type, reference_id, posting_kind,
               description, entry_date, correlation_id, activity)
     ), journal_rows AS (
       INSERT INTO journal (id, organization_id, company_id, reference_type, reference_id, posting_kind,
                            description, entry_date, correlation_id)
       SELECT id, organization_id, company_id, reference_type, reference_id, posting_kind,
              description, entry_date, correlation_id
         FROM input
       ON CONFLICT (organization_id, reference_id, posting_kind) DO NOTHING
       RETURNING id, organization_id
     ), line_rows AS (
       INSERT INTO journal_line (journal_id, organization_id, account_code, debit, credit, customer_id)
       SELECT r.id, r.organization_id, l.account_code, l.debit, l.credit, l.customer_id
         FROM unnest($11::uuid[], $12::text[], $13::numeric[], $14::numeric[], $15::uuid[])
                WITH ORDINALITY AS l (journal_id, account_code, debit, credit, customer_id, ord)
         JOIN journal_rows r ON r.id = l.journal_id
        ORDER BY l.ord
     ), ${activity}
     SELECT id FROM journal_rows`,
    params,
  );
  const created = new Set(rows.map((r) => r.id));
  return journals.map((j) => (created.has(j.id) ? j.id : undefined));
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
