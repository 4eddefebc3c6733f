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
 * SQL that reserves the organization's next `count` numbers for a period, as a CTE named
 * `reserved` with the column `before` (the last number handed out before these). It locks the
 * (organization, period) counter row until the transaction ends: a rollback gives the numbers
 * back (no gaps), and concurrent writers queue on the row (no duplicates).
 */
export function reserveNumbersCte(
  organizationParam: string,
  periodParam: string,
  countParam: string,
): string {
  return `reserved AS (
    INSERT INTO invoice_counter (organization_id, period, last_number)
    VALUES (${organizationParam}, ${periodParam}, ${countParam})
    ON CONFLICT (organization_id, period) DO UPDATE SET last_number = invoice_counter.last_number + ${countParam}
    RETURNING last_number - ${countParam} AS before
  )`;
}

/** SQL formatting number `sequence` of `period` exactly as `formatInvoiceNumber` does. */
export function invoiceNumberSql(periodExpr: string, sequenceExpr: string): string {
  return `'INV-' || ${periodExpr} || '-' ||
    CASE WHEN ${sequenceExpr} < 10000 THEN lpad((${sequenceExpr})::text, 4, '0') ELSE (${sequenceExpr})::text END`;
}
