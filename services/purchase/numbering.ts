import type { Queryable } from '#platform/data/db.js';

export type DocumentKind = 'PO' | 'BILL';

/** The numbering period of a moment: "YYYYMM" (UTC calendar month). */
export function periodOf(at: Date): string {
  return at.toISOString().slice(0, 7).replace('-', '');
}

/** `PO-YYYYMM-0001`: four digits at least, more once a month passes 9999 documents. */
export function formatNumber(kind: DocumentKind, period: string, sequence: number): string {
  if (!Number.isInteger(sequence) || sequence < 1) throw new RangeError(`not a sequence number: ${sequence}`);
  return `${kind}-${period}-${String(sequence).padStart(4, '0')}`;
}

/**
 * Takes the organization's next number of a kind for the month. The counter row stays locked
 * until the transaction ends: a rollback gives the number back (no gaps) and concurrent writers
 * queue on the row (no duplicates).
 */
export async function nextNumber(
  tx: Queryable,
  organizationId: string,
  kind: DocumentKind,
  at: Date,
): Promise<string> {
  const period = periodOf(at);
  const { rows } = await tx.query<{ last_number: number }>(
    `INSERT INTO document_counter (organization_id, kind, period, last_number) VALUES ($1, $2, $3, 1)
     ON CONFLICT (organization_id, kind, period) DO UPDATE SET last_number = document_counter.last_number + 1
     RETURNING last_number`,
    [organizationId, kind, period],
  );
  return formatNumber(kind, period, rows[0]!.last_number);
}
