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
 * SQL that takes the organization's next number for a period and yields it formatted exactly as
 * `formatInvoiceNumber` does, as a CTE named `next_number` with a column `number`. It locks the
 * (organization, period) counter row until the transaction ends: a rollback gives the number back
 * (no gaps), and concurrent invoices queue on the row (no duplicates). Run it last in the
 * transaction, so the row is held only for the few statements that need the number.
 */
export function nextNumberCte(organizationParam: string, periodParam: string): string {
  return `next_number AS (
    INSERT INTO invoice_counter (organization_id, period, last_number) VALUES (${organizationParam}, ${periodParam}, 1)
    ON CONFLICT (organization_id, period) DO UPDATE SET last_number = invoice_counter.last_number + 1
    RETURNING 'INV-' || period || '-' ||
      CASE WHEN last_number < 10000 THEN lpad(last_number::text, 4, '0') ELSE last_number::text END AS number
  )`;
}
