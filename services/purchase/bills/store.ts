import { recordAcknowledgement } from '#platform/data/acknowledgement.js';
import type { Queryable, Tx } from '#platform/data/db.js';
import { insertNumbered } from '#platform/data/numbered-insert.js';
import { documentSeries } from '../numbering.js';

export interface Bill {
  id: string;
  companyId: string | null;
  number: string;
  vendorId: string;
  vendorName: string;
  purchaseOrderId: string | null;
  amount: string;
  dueDate: string;
  status: 'open';
  posted: boolean;
  journalId: string | null;
  createdBy: string | null;
  createdAt: string;
  /** The request that recorded it: the thread its timeline follows. */
  correlationId: string | null;
}

interface Row {
  id: string;
  company_id: string | null;
  number: string;
  vendor_id: string;
  vendor_name: string;
  purchase_order_id: string | null;
  amount: string;
  due_date: string;
  status: 'open';
  journal_id: string | null;
  created_by: string | null;
  created_at: Date;
  correlation_id: string | null;
  position: string;
}

const SELECT = `
  SELECT b.id, b.company_id, b.number, b.vendor_id, v.name AS vendor_name, b.purchase_order_id,
         b.amount::text AS amount, to_char(b.due_date, 'YYYY-MM-DD') AS due_date, b.status, b.journal_id,
         b.created_by, b.created_at, b.correlation_id, b.created_at::text AS position
    FROM bill b JOIN vendor v ON v.id = b.vendor_id`;

const toBill = (r: Row): Bill & { position: string } => ({
  id: r.id,
  companyId: r.company_id,
  number: r.number,
  vendorId: r.vendor_id,
  vendorName: r.vendor_name,
  purchaseOrderId: r.purchase_order_id,
  amount: r.amount,
  dueDate: r.due_date,
  status: r.status,
  posted: r.journal_id !== null,
  journalId: r.journal_id,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
  correlationId: r.correlation_id,
  position: r.position,
});

/** Writes a bill with the organization's next BILL number of the month; returns the number. */
export async function insertBill(
  tx: Queryable,
  b: {
    id: string;
    organizationId: string;
    companyId: string | null;
    vendorId: string;
    purchaseOrderId: string | null;
    amount: string;
    dueDate: string;
    createdBy: string;
    correlationId: string;
    idempotencyKey: string | null;
  },
  at: Date,
): Promise<string> {
  const [number] = await insertNumbered(tx, {
    organizationId: b.organizationId,
    series: documentSeries('BILL', at),
    documents: {
      table: 'bill',
      columns: {
        id: 'uuid',
        company_id: 'uuid',
        vendor_id: 'uuid',
        purchase_order_id: 'uuid',
        amount: 'numeric',
        due_date: 'date',
        created_by: 'uuid',
        correlation_id: 'text',
        idempotency_key: 'text',
      },
      rows: [
        {
          id: b.id,
          company_id: b.companyId,
          vendor_id: b.vendorId,
          purchase_order_id: b.purchaseOrderId,
          amount: b.amount,
          due_date: b.dueDate,
          created_by: b.createdBy,
          correlation_id: b.correlationId,
          idempotency_key: b.idempotencyKey,
        },
      ],
    },
  });
  return number!;
}

export async function getBill(q: Queryable, organizationId: string, id: string): Promise<Bill | null> {
  const { rows } = await q.query<Row>(`${SELECT} WHERE b.organization_id = $1 AND b.id = $2`, [
    organizationId,
    id,
  ]);
  return rows[0] ? toBill(rows[0]) : null;
}

/** The bill made for a purchase order, if any (one per order). */
export async function billForOrder(q: Queryable, purchaseOrderId: string): Promise<string | null> {
  const { rows } = await q.query<{ number: string }>('SELECT number FROM bill WHERE purchase_order_id = $1', [
    purchaseOrderId,
  ]);
  return rows[0]?.number ?? null;
}

/** What the bills against a purchase order add up to ("0.00" with none). */
export async function billedAgainst(q: Queryable, purchaseOrderId: string): Promise<string> {
  const { rows } = await q.query<{ total: string }>(
    `SELECT coalesce(sum(amount), 0)::numeric(14, 2)::text AS total FROM bill WHERE purchase_order_id = $1`,
    [purchaseOrderId],
  );
  return rows[0]!.total;
}

export async function listBills(
  q: Queryable,
  organizationId: string,
  filter: { limit: number; before?: { position: string; id: string } | undefined },
): Promise<Array<Bill & { position: string }>> {
  const params: unknown[] = [organizationId];
  let where = 'b.organization_id = $1';
  if (filter.before) {
    params.push(filter.before.position, filter.before.id);
    where += ` AND (b.created_at, b.id) < ($2::timestamptz, $3::uuid)`;
  }
  params.push(filter.limit);
  const { rows } = await q.query<Row>(
    `${SELECT} WHERE ${where} ORDER BY b.created_at DESC, b.id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(toBill);
}

/** Common posted the bill's expense: its journal, with the activity (written with the COMMIT). */
export function markBillPosted(
  tx: Tx,
  organizationId: string,
  id: string,
  journalId: string,
  correlationId: string,
): void {
  recordAcknowledgement(tx, {
    table: 'bill',
    referenceColumn: 'journal_id',
    stampColumn: 'posted_at',
    organizationId,
    id,
    reference: journalId,
    correlationId,
    activity: { action: 'bill.posted', detail: { billId: id, journalId } },
    unknown: { action: 'bill.posted-unknown', detail: { billId: id, journalId } },
  });
}
