import type { Queryable } from '#platform/data/db.js';
import { activityRowsCte } from '#platform/observability/activity.js';
import { invoiceNumberSql, reserveNumbersCte } from './numbering.js';
import type { InvoiceDraft } from './request.js';

export interface NewInvoice {
  id: string;
  organizationId: string;
  companyId: string | null;
  customer: { id: string; name: string; email: string };
  draft: InvoiceDraft;
  correlationId: string;
  idempotencyKey: string | null;
  createdBy: string | null;
}

/**
 * Writes invoices of one organization and period with consecutive numbers, their lines and their
 * activity records, in one statement; returns the numbers in the order given. The month's counter
 * row stays locked until the transaction ends, so nothing that does not need the numbers should
 * follow this statement.
 */
export async function insertNumberedInvoices(
  tx: Queryable,
  organizationId: string,
  period: string,
  invoices: readonly NewInvoice[],
): Promise<string[]> {
  const rows = invoices.map((inv, i) => ({
    ord: i + 1,
    id: inv.id,
    company_id: inv.companyId,
    customer_id: inv.customer.id,
    customer_name: inv.customer.name,
    customer_email: inv.customer.email,
    amount: inv.draft.amount,
    issue_date: inv.draft.issueDate,
    due_date: inv.draft.dueDate,
    description: inv.draft.description,
    correlation_id: inv.correlationId,
    idempotency_key: inv.idempotencyKey,
    created_by: inv.createdBy,
  }));
  const lines = invoices.flatMap((inv) =>
    inv.draft.lines.map((l) => ({
      invoice_id: inv.id,
      position: l.position,
      description: l.description,
      quantity: l.quantity,
      unit_price: l.unitPrice,
      amount: l.amount,
    })),
  );
  const params: unknown[] = [
    organizationId,
    period,
    invoices.length,
    JSON.stringify(rows),
    JSON.stringify(lines),
  ];
  // Each invoice's record under its own request's correlation id.
  const activity = activityRowsCte('activity_rows', params, 'invoice.created', {
    correlationId: 'd.correlation_id',
    organizationId: '$1::uuid',
    detail: `jsonb_build_object('invoiceId', d.id, 'amount', d.amount::text)`,
    from: 'data d',
  });
  const { rows: written } = await tx.query<{ id: string; number: string }>(
    `WITH ${reserveNumbersCte('$1::uuid', '$2', '$3::integer')},
     data AS (
       SELECT * FROM jsonb_to_recordset($4::jsonb) AS d(
         ord integer, id uuid, company_id uuid, customer_id uuid, customer_name text, customer_email text,
         amount numeric, issue_date date, due_date date, description text, correlation_id text,
         idempotency_key text, created_by text)
     ),
     invoice_rows AS (
       INSERT INTO invoice (id, organization_id, company_id, number, customer_id, customer_name, customer_email, amount,
                            issue_date, due_date, description, correlation_id, idempotency_key, created_by)
       SELECT d.id, $1::uuid, d.company_id, ${invoiceNumberSql('$2', 'reserved.before + d.ord')}, d.customer_id,
              d.customer_name, d.customer_email, d.amount, d.issue_date, d.due_date, d.description, d.correlation_id,
              d.idempotency_key, d.created_by
         FROM data d, reserved
       RETURNING id, number
     ),
     line_rows AS (
       INSERT INTO invoice_line (invoice_id, position, description, quantity, unit_price, amount)
       SELECT l.invoice_id, l.position, l.description, l.quantity, l.unit_price, l.amount
         FROM jsonb_to_recordset($5::jsonb) AS l(
           invoice_id uuid, position integer, description text, quantity integer, unit_price numeric, amount numeric)
     ),
     ${activity}
     SELECT id, number FROM invoice_rows`,
    params,
  );
  const byId = new Map(written.map((r) => [r.id, r.number]));
  return invoices.map((inv) => byId.get(inv.id)!);
}
