import type { Queryable } from '#platform/data/db.js';
import { equalityConditions } from '#platform/data/where.js';
import {
  INVOICE_COLUMNS,
  invoiceFromRow,
  invoiceHeader,
  type Invoice,
  type InvoiceRow,
} from '../invoices/store.js';

export type PaymentStatus = 'pending' | 'succeeded' | 'failed' | 'refunded' | 'needs-attention';

export interface Payment {
  id: string;
  organizationId: string;
  companyId: string | null;
  invoiceId: string;
  customerId: string;
  amount: string;
  paymentMethodId: string;
  status: PaymentStatus;
  transactionId: string | null;
  failureReason: string | null;
  correlationId: string | null;
  paidAt: string | null;
  createdAt: string;
}

/** The invoice facts a payment needs, read under a row lock (its status decides what may happen). */
export type PayableInvoice = Pick<
  Invoice,
  | 'id'
  | 'organizationId'
  | 'companyId'
  | 'number'
  | 'customerId'
  | 'customerName'
  | 'customerEmail'
  | 'amount'
  | 'status'
>;

export const lockInvoice = (
  q: Queryable,
  organizationId: string,
  invoiceId: string,
): Promise<PayableInvoice | null> => invoiceHeader(q, organizationId, { id: invoiceId }, { lock: true });

/** The invoice under a row lock, with what its payment `paymentId` recorded so far (one round trip). */
export async function lockInvoiceForPayment(
  q: Queryable,
  organizationId: string,
  invoiceId: string,
  paymentId: string,
): Promise<{ invoice: PayableInvoice; payment: { status: PaymentStatus; paidAt: Date | null } } | null> {
  const { rows } = await q.query<
    InvoiceRow & { payment_status: PaymentStatus; payment_paid_at: Date | null }
  >(
    `SELECT ${INVOICE_COLUMNS}, p.payment_status, p.payment_paid_at
       FROM invoice,
            LATERAL (SELECT status AS payment_status, paid_at AS payment_paid_at FROM payment WHERE id = $3) AS p
      WHERE organization_id = $1 AND id = $2 FOR UPDATE OF invoice`,
    [organizationId, invoiceId, paymentId],
  );
  const r = rows[0];
  return r
    ? { invoice: invoiceFromRow(r), payment: { status: r.payment_status, paidAt: r.payment_paid_at } }
    : null;
}

/** The payment of an invoice that is in progress or made, if any. */
export async function openPaymentOf(
  q: Queryable,
  invoiceId: string,
): Promise<{ id: string; status: PaymentStatus } | null> {
  const { rows } = await q.query<{ id: string; status: PaymentStatus }>(
    `SELECT id, status FROM payment WHERE invoice_id = $1 AND status IN ('pending', 'succeeded', 'needs-attention')`,
    [invoiceId],
  );
  return rows[0] ?? null;
}

export async function insertPayment(
  q: Queryable,
  p: {
    id: string;
    invoice: PayableInvoice;
    paymentMethodId: string;
    idempotencyKey: string | null;
    requestedBy: string | null;
    correlationId: string;
  },
): Promise<void> {
  await q.query(
    `INSERT INTO payment (id, organization_id, company_id, invoice_id, customer_id, amount, payment_method_id,
                          idempotency_key, requested_by, correlation_id)
     VALUES ($1, $2, $3, $4, $5, $6::numeric, $7, $8, $9, $10)`,
    [
      p.id,
      p.invoice.organizationId,
      p.invoice.companyId,
      p.invoice.id,
      p.invoice.customerId,
      p.invoice.amount,
      p.paymentMethodId,
      p.idempotencyKey,
      p.requestedBy,
      p.correlationId,
    ],
  );
}

/** Records the money taken and marks the invoice paid; returns when it was paid. */
export async function recordPaid(
  q: Queryable,
  paymentId: string,
  invoiceId: string,
  transactionId: string,
): Promise<string> {
  const { rows } = await q.query<{ paid_at: Date }>(
    `WITH paid AS (
       UPDATE payment SET status = 'succeeded', transaction_id = $2, paid_at = now(), updated_at = now()
        WHERE id = $1 RETURNING paid_at
     )
     UPDATE invoice SET status = 'paid', paid_at = (SELECT paid_at FROM paid), updated_at = now()
      WHERE id = $3 RETURNING paid_at`,
    [paymentId, transactionId, invoiceId],
  );
  return new Date(rows[0]!.paid_at).toISOString();
}

/** Follows the saga's status (a payment recorded as succeeded is not set back to pending). */
export async function setPaymentStatus(
  q: Queryable,
  paymentId: string,
  status: PaymentStatus,
  facts: { failureReason?: string | null; transactionId?: string | null } = {},
): Promise<void> {
  await q.query(
    `UPDATE payment SET status = $2, failure_reason = coalesce($3, failure_reason),
            transaction_id = coalesce(transaction_id, $4), updated_at = now()
      WHERE id = $1 AND NOT (status = 'succeeded' AND $2 = 'pending')`,
    [paymentId, status, facts.failureReason ?? null, facts.transactionId ?? null],
  );
}

interface PaymentRow {
  id: string;
  organization_id: string;
  company_id: string | null;
  invoice_id: string;
  customer_id: string;
  amount: string;
  payment_method_id: string;
  status: PaymentStatus;
  transaction_id: string | null;
  failure_reason: string | null;
  correlation_id: string | null;
  paid_at: Date | null;
  created_at: Date;
}

const COLUMNS = `id, organization_id, company_id, invoice_id, customer_id, amount::text AS amount, payment_method_id,
                 status, transaction_id, failure_reason, correlation_id, paid_at, created_at`;

const toPayment = (r: PaymentRow): Payment => ({
  id: r.id,
  organizationId: r.organization_id,
  companyId: r.company_id,
  invoiceId: r.invoice_id,
  customerId: r.customer_id,
  amount: r.amount,
  paymentMethodId: r.payment_method_id,
  status: r.status,
  transactionId: r.transaction_id,
  failureReason: r.failure_reason,
  correlationId: r.correlation_id,
  paidAt: r.paid_at ? new Date(r.paid_at).toISOString() : null,
  createdAt: new Date(r.created_at).toISOString(),
});

export async function getPayment(q: Queryable, organizationId: string, id: string): Promise<Payment | null> {
  const { rows } = await q.query<PaymentRow>(
    `SELECT ${COLUMNS} FROM payment WHERE organization_id = $1 AND id = $2`,
    [organizationId, id],
  );
  return rows[0] ? toPayment(rows[0]) : null;
}

/** The payments of one invoice (or of one customer's invoices), newest first. */
export async function listPayments(
  q: Queryable,
  organizationId: string,
  filter: { invoiceId?: string | undefined; customerId?: string | undefined; limit: number },
): Promise<Payment[]> {
  const params: unknown[] = [organizationId];
  const where = [
    'organization_id = $1',
    ...equalityConditions(params, {
      invoice_id: filter.invoiceId || undefined,
      customer_id: filter.customerId || undefined,
    }),
  ];
  params.push(filter.limit);
  const { rows } = await q.query<PaymentRow>(
    `SELECT ${COLUMNS} FROM payment WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC
      LIMIT $${params.length}`,
    params,
  );
  return rows.map(toPayment);
}
