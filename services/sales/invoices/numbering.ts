import { formatNumber, type NumberSeries } from '#platform/data/numbered-insert.js';

/** The numbering period of an issue date: "YYYYMM" (UTC calendar month). */
export function periodOf(issueDate: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(issueDate)) throw new RangeError(`not a date: ${issueDate}`);
  return issueDate.slice(0, 4) + issueDate.slice(5, 7);
}

/**
 * An organization's invoices of a month, `INV-YYYYMM-0001` on: one counter row per organization
 * and month, so numbers are consecutive and unique however many invoices are made at once.
 */
export const invoiceSeries = (period: string): NumberSeries => ({
  counter: 'invoice_counter',
  key: { period },
  prefix: `INV-${period}-`,
});

/** `INV-YYYYMM-0001`: four digits at least, more once a month passes 9999 invoices. */
export function formatInvoiceNumber(period: string, sequence: number): string {
  return formatNumber(invoiceSeries(period).prefix, sequence);
}
