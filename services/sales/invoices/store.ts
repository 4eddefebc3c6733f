import { recordAcknowledgement } from '#platform/data/acknowledgement.js';
import type { Queryable, Tx } from '#platform/data/db.js';
import { documentLines, type LineTable } from '#platform/data/document-lines.js';
import { equalityConditions } from '#platform/data/where.js';
import type { InvoiceLine } from './request.js';

export type InvoiceStatus = 'draft' | 'issued' | 'paid' | 'void';

export interface Invoice {
  id: string;
  organizationId: string;
  companyId: string | null;
  number: string;
  customerId: string;
  customerName: string;
  customerEmail: string;
  amount: string;
  issueDate: string;
  dueDate: string;
  description: string | null;
  status: InvoiceStatus;
  posted: boolean;
  postedAt: string | null;
  paidAt: string | null;
  journalId: string | null;
  correlationId: string | null;
  createdAt: string;
  lines: InvoiceLine[];
}

export interface InvoiceRow {
  id: string;
  organization_id: string;
  company_id: string | null;
  number: string;
  customer_id: string;
  customer_name: string;
  customer_email: string;
  amount: string;
  issue_date: string;
  due_date: string;
  description: string | null;
  status: InvoiceStatus;
  journal_id: string | null;
  posted_at: Date | null;
  paid_at: Date | null;
  correlation_id: string | null;
  created_at: Date;
}

/** Every column of an invoice row, unqualified (for callers that join it with another row). */
export const INVOICE_COLUMNS = `id, organization_id, company_id, number, customer_id, customer_name, customer_email,
                 amount::text AS amount, issue_date, due_date, description, status, journal_id, posted_at,
                 paid_at, correlation_id, created_at`;

/**
 * An invoice without reading its lines (`lines` is empty): by id, or by the Idempotency-Key that
 * made it. For callers that need only its figures and customer. With `lock`, its row stays locked
 * until the transaction ends (a payment decides by its status).
 */
export async function invoiceHeader(
  q: Queryable,
  organizationId: string,
  by: { id: string } | { idempotencyKey: string },
  opts: { lock?: boolean } = {},
): Promise<Invoice | null> {
  const [column, value] = 'id' in by ? ['id', by.id] : ['idempotency_key', by.idempotencyKey];
  const { rows } = await q.query<InvoiceRow>(
    `SELECT ${INVOICE_COLUMNS} FROM invoice WHERE organization_id = $1 AND ${column} = $2${opts.lock ? ' FOR UPDATE' : ''}`,
    [organizationId, value],
  );
  return rows[0] ? toInvoice(rows[0], []) : null;
}

export async function getInvoice(q: Queryable, organizationId: string, id: string): Promise<Invoice | null> {
  // Both asked at once: one round trip instead of two, which counts when the service is busy (each
  // wait is a turn of a crowded event loop). Lines of an invoice not found are read and dropped.
  const [invoice, lines] = await Promise.all([invoiceHeader(q, organizationId, { id }), linesOf(q, id)]);
  return invoice ? { ...invoice, lines } : null;
}

/** A page of invoices, newest first, before the given position (keyset paging). */
export async function listInvoices(
  q: Queryable,
  organizationId: string,
  filter: {
    customerId?: string | undefined;
    status?: InvoiceStatus | undefined;
    limit: number;
    before?: { position: string; id: string } | undefined;
  },
): Promise<Array<Invoice & { position: string }>> {
  const params: unknown[] = [organizationId];
  const where = [
    'organization_id = $1',
    ...equalityConditions(params, { customer_id: filter.customerId || undefined, status: filter.status }),
  ];
  if (filter.before) {
    params.push(filter.before.position, filter.before.id);
    where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(filter.limit);
  const { rows } = await q.query<InvoiceRow & { position: string }>(
    `SELECT ${INVOICE_COLUMNS}, created_at::text AS position FROM invoice
      WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => ({ ...toInvoice(r, []), position: r.position }));
}

/** Common posted the invoice: its journal, with the activity (written with the COMMIT). */
export function markPosted(
  tx: Tx,
  organizationId: string,
  invoiceId: string,
  journalId: string,
  correlationId: string,
): void {
  recordAcknowledgement(tx, {
    table: 'invoice',
    referenceColumn: 'journal_id',
    stampColumn: 'posted_at',
    touched: 'updated_at',
    organizationId,
    id: invoiceId,
    reference: journalId,
    correlationId,
    activity: { action: 'invoice.posted', detail: { invoiceId, journalId } },
    unknown: { action: 'invoice.posted-unknown', detail: { invoiceId } },
  });
}

/** Read back as written in `numbered-insert.ts`. */
const INVOICE_LINES: LineTable<InvoiceLine> = {
  table: 'invoice_line',
  documentColumn: 'invoice_id',
  fields: ['position', 'description', 'quantity', 'unitPrice', 'amount'],
};

const linesOf = (q: Queryable, invoiceId: string) => documentLines(q, INVOICE_LINES, invoiceId);

/** An invoice from its row, without its lines. */
export const invoiceFromRow = (r: InvoiceRow): Invoice => toInvoice(r, []);

function toInvoice(r: InvoiceRow, lines: Invoice['lines']): Invoice {
  return {
    id: r.id,
    organizationId: r.organization_id,
    companyId: r.company_id,
    number: r.number,
    customerId: r.customer_id,
    customerName: r.customer_name,
    customerEmail: r.customer_email,
    amount: r.amount,
    issueDate: r.issue_date,
    dueDate: r.due_date,
    description: r.description,
    status: r.status,
    posted: r.posted_at !== null,
    postedAt: r.posted_at ? new Date(r.posted_at).toISOString() : null,
    paidAt: r.paid_at ? new Date(r.paid_at).toISOString() : null,
    journalId: r.journal_id,
    correlationId: r.correlation_id,
    createdAt: new Date(r.created_at).toISOString(),
    lines,
  };
}

/** Marks the (locked, issued) invoice void; returns when, as an ISO string. */
export async function markVoided(tx: Queryable, invoiceId: string): Promise<string> {
  const { rows } = await tx.query<{ voided_at: Date }>(
    `UPDATE invoice SET status = 'void', voided_at = now(), updated_at = now() WHERE id = $1 RETURNING voided_at`,
    [invoiceId],
  );
  return new Date(rows[0]!.voided_at).toISOString();
}
