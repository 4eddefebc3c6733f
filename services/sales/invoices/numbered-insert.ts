import type { Queryable } from '#platform/data/db.js';
import { insertNumbered } from '#platform/data/numbered-insert.js';
import { activityRowsCte } from '#platform/observability/activity.js';
import { invoiceSeries } from './numbering.js';
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
  return insertNumbered(tx, {
    organizationId,
    series: invoiceSeries(period),
    documents: {
      table: 'invoice',
      columns: {
        id: 'uuid',
        company_id: 'uuid',
        customer_id: 'uuid',
        customer_name: 'text',
        customer_email: 'text',
        amount: 'numeric',
        issue_date: 'date',
        due_date: 'date',
        description: 'text',
        correlation_id: 'text',
        idempotency_key: 'text',
        created_by: 'text',
      },
      rows: invoices.map((inv) => ({
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
      })),
    },
    alongside: [
      {
        table: 'invoice_line',
        columns: {
          invoice_id: 'uuid',
          position: 'integer',
          description: 'text',
          quantity: 'integer',
          unit_price: 'numeric',
          amount: 'numeric',
        },
        rows: invoices.flatMap((inv) =>
          inv.draft.lines.map((l) => ({
            invoice_id: inv.id,
            position: l.position,
            description: l.description,
            quantity: l.quantity,
            unit_price: l.unitPrice,
            amount: l.amount,
          })),
        ),
      },
    ],
    // Each invoice's record under its own request's correlation id.
    with: (params) => [
      activityRowsCte('activity_rows', params, 'invoice.created', {
        correlationId: 'd.correlation_id',
        organizationId: '$1::uuid',
        // Enough for a timeline to say it in a sentence (number, customer, amount).
        detail: `jsonb_build_object('invoiceId', d.id, 'number', n.number, 'customerName', d.customer_name,
                                    'amount', d.amount::text)`,
        from: 'document_data d JOIN numbered n ON n.id = d.id',
      }),
    ],
  });
}
