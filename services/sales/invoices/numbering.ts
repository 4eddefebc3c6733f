import type { Queryable } from '../../../platform/data/db.js';

/** The numbering period of an issue date: "YYYYMM" (UTC calendar month). */
export function periodOf(issueDate: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(issueDate)) throw new RangeError(`not a date: ${issueDate}`);
  return issueDate.slice(0, 4) + issueDate.slice(5, 7);
}

/** `INV-YYYYMM-0001`: four digits at least, more once a month passes 9999 invoices. */
export function formatInvoiceNumber(period: string, sequence: number): string {
  if (!Number.isInteger(sequence) || sequence < 1) throw new RangeError(`not a sequence number: ${sequence}`);
  return `INV-${period}-${String(sequence).padStart(4, '0')}`;
}

/**
 * Takes the organization's next number for the period in the caller's transaction. The counter
 * row stays locked until that transaction ends: a rollback gives the number back (no gaps), and
 * concurrent invoices queue on the row (no duplicates).
 */
export async function nextInvoiceNumber(
  tx: Queryable,
  organizationId: string,
  issueDate: string,
): Promise<string> {
  const period = periodOf(issueDate);
  const { rows } = await tx.query<{ last_number: number }>(
    `INSERT INTO invoice_counter (organization_id, period, last_number) VALUES ($1, $2, 1)
     ON CONFLICT (organization_id, period) DO UPDATE SET last_number = invoice_counter.last_number + 1
     RETURNING last_number`,
    [organizationId, period],
  );
  return formatInvoiceNumber(period, rows[0]!.last_number);
}
