import type { Queryable } from '#platform/data/db.js';
import { insertNumbered } from '#platform/data/numbered-insert.js';
import { documentSeries } from '../numbering.js';
import type { PricedLine } from './rules.js';

/**
 * Writes a purchase order with the organization's next PO number of the month, and its lines, in
 * one statement; returns the number.
 */
export async function insertPurchaseOrder(
  tx: Queryable,
  po: {
    id: string;
    organizationId: string;
    companyId: string | null;
    vendorId: string;
    amount: string;
    requiredRoles: string[];
    requestedBy: string;
    correlationId: string;
    idempotencyKey: string | null;
    lines: PricedLine[];
  },
  at: Date,
): Promise<string> {
  const [number] = await insertNumbered(tx, {
    organizationId: po.organizationId,
    series: documentSeries('PO', at),
    documents: {
      table: 'purchase_order',
      columns: {
        id: 'uuid',
        company_id: 'uuid',
        vendor_id: 'uuid',
        amount: 'numeric',
        required_roles: 'text[]',
        requested_by: 'uuid',
        correlation_id: 'text',
        idempotency_key: 'text',
      },
      rows: [
        {
          id: po.id,
          company_id: po.companyId,
          vendor_id: po.vendorId,
          amount: po.amount,
          required_roles: po.requiredRoles,
          requested_by: po.requestedBy,
          correlation_id: po.correlationId,
          idempotency_key: po.idempotencyKey,
        },
      ],
    },
    alongside: [
      {
        table: 'purchase_order_line',
        columns: {
          purchase_order_id: 'uuid',
          position: 'integer',
          description: 'text',
          quantity: 'integer',
          unit_price: 'numeric',
          amount: 'numeric',
        },
        rows: po.lines.map((l) => ({
          purchase_order_id: po.id,
          position: l.position,
          description: l.description,
          quantity: l.quantity,
          unit_price: l.unitPrice,
          amount: l.amount,
        })),
      },
    ],
  });
  return number!;
}
