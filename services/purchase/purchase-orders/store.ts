import type { Queryable } from '#platform/data/db.js';
import { documentLines, type LineTable } from '#platform/data/document-lines.js';
import type { PricedLine, PurchaseOrderStatus } from './rules.js';

export interface Approval {
  role: string;
  userId: string;
  userName: string | null;
  comments: string | null;
  at: string;
}

export interface PurchaseOrder {
  id: string;
  organizationId: string;
  companyId: string | null;
  number: string;
  vendorId: string;
  vendorName: string;
  amount: string;
  status: PurchaseOrderStatus;
  requiredRoles: string[];
  requestedBy: string;
  /** From the user replica (Common's UserCreated); null while the replica has not heard of them. */
  requestedByName: string | null;
  approvals: Approval[];
  rejection: { userId: string; userName: string | null; comments: string; at: string } | null;
  budgetReserved: boolean;
  reservationJournalId: string | null;
  submittedAt: string | null;
  decidedAt: string | null;
  cancelledAt: string | null;
  createdAt: string;
  /** The request that created it: the thread its timeline follows. */
  correlationId: string | null;
  lines: PricedLine[];
}

interface Row {
  id: string;
  organization_id: string;
  company_id: string | null;
  number: string;
  vendor_id: string;
  vendor_name: string;
  amount: string;
  status: PurchaseOrderStatus;
  required_roles: string[];
  requested_by: string;
  requested_by_name: string | null;
  rejected_by: string | null;
  rejected_by_name: string | null;
  rejection_comments: string | null;
  reservation_journal_id: string | null;
  submitted_at: Date | null;
  decided_at: Date | null;
  cancelled_at: Date | null;
  created_at: Date;
  correlation_id: string | null;
  /** The keyset position of list pages. */
  position: string;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

// Names come from the user replica; a user it has not heard of yet shows without a name.
const SELECT = `
  SELECT po.id, po.organization_id, po.company_id, po.number, po.vendor_id, v.name AS vendor_name,
         po.amount::text AS amount, po.status, po.required_roles, po.requested_by, rq.name AS requested_by_name,
         po.rejected_by, rj.name AS rejected_by_name, po.rejection_comments, po.reservation_journal_id,
         po.submitted_at, po.decided_at, po.cancelled_at, po.created_at, po.correlation_id,
         po.created_at::text AS position
    FROM purchase_order po
    JOIN vendor v ON v.id = po.vendor_id
    LEFT JOIN user_replica rq ON rq.id = po.requested_by AND rq.organization_id = po.organization_id
    LEFT JOIN user_replica rj ON rj.id = po.rejected_by AND rj.organization_id = po.organization_id`;

/**
 * A purchase order with its lines and approvals. With `lock`, its row stays locked until the
 * transaction ends, so two approvals of one order are decided one after the other.
 */
export async function getPurchaseOrder(
  q: Queryable,
  organizationId: string,
  by: { id: string } | { idempotencyKey: string },
  opts: { lock?: boolean } = {},
): Promise<PurchaseOrder | null> {
  const [column, value] = 'id' in by ? ['po.id', by.id] : ['po.idempotency_key', by.idempotencyKey];
  if (opts.lock) {
    await q.query(
      `SELECT 1 FROM purchase_order po WHERE po.organization_id = $1 AND ${column} = $2 FOR UPDATE`,
      [organizationId, value],
    );
  }
  const { rows } = await q.query<Row>(`${SELECT} WHERE po.organization_id = $1 AND ${column} = $2`, [
    organizationId,
    value,
  ]);
  const row = rows[0];
  if (!row) return null;
  const [lines, approvals] = [await linesOf(q, row.id), await approvalsOf(q, [row.id])];
  return toPurchaseOrder(row, lines, approvals.get(row.id) ?? []);
}

export async function listPurchaseOrders(
  q: Queryable,
  organizationId: string,
  filter: {
    status?: PurchaseOrderStatus | undefined;
    limit: number;
    before?: { position: string; id: string } | undefined;
  },
): Promise<Array<PurchaseOrder & { position: string }>> {
  const params: unknown[] = [organizationId];
  let where = 'po.organization_id = $1';
  if (filter.status) {
    params.push(filter.status);
    where += ` AND po.status = $${params.length}`;
  }
  if (filter.before) {
    params.push(filter.before.position, filter.before.id);
    where += ` AND (po.created_at, po.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
  }
  params.push(filter.limit);
  const { rows } = await q.query<Row>(
    `${SELECT}
      WHERE ${where} ORDER BY po.created_at DESC, po.id DESC LIMIT $${params.length}`,
    params,
  );
  const approvals = await approvalsOf(
    q,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({ ...toPurchaseOrder(r, [], approvals.get(r.id) ?? []), position: r.position }));
}

export async function setStatus(
  q: Queryable,
  id: string,
  status: PurchaseOrderStatus,
  extra: { rejectedBy?: string; rejectionComments?: string } = {},
): Promise<void> {
  await q.query(
    `UPDATE purchase_order SET status = $2, updated_at = now(),
            submitted_at = CASE WHEN $2 = 'submitted' THEN now() ELSE submitted_at END,
            decided_at = CASE WHEN $2 IN ('approved', 'rejected') THEN now() ELSE decided_at END,
            cancelled_at = CASE WHEN $2 = 'cancelled' THEN now() ELSE cancelled_at END,
            rejected_by = coalesce($3::uuid, rejected_by),
            rejection_comments = coalesce($4, rejection_comments)
      WHERE id = $1`,
    [id, status, extra.rejectedBy ?? null, extra.rejectionComments ?? null],
  );
}

export async function insertApproval(
  q: Queryable,
  a: { purchaseOrderId: string; role: string; userId: string; comments: string | null },
): Promise<void> {
  await q.query(
    'INSERT INTO purchase_order_approval (purchase_order_id, role, user_id, comments) VALUES ($1, $2, $3, $4)',
    [a.purchaseOrderId, a.role, a.userId, a.comments],
  );
}

/** Common's budget reservation for the order; false when the order is not this organization's. */
export async function markReserved(
  q: Queryable,
  organizationId: string,
  id: string,
  journalId: string,
): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE purchase_order SET reservation_journal_id = $3, reserved_at = coalesce(reserved_at, now()), updated_at = now()
      WHERE organization_id = $1 AND id = $2`,
    [organizationId, id, journalId],
  );
  return rowCount === 1;
}

/** Read back as written in `numbered-insert.ts`. */
const ORDER_LINES: LineTable<PricedLine> = {
  table: 'purchase_order_line',
  documentColumn: 'purchase_order_id',
  fields: ['position', 'description', 'quantity', 'unitPrice', 'amount'],
};

const linesOf = (q: Queryable, id: string) => documentLines(q, ORDER_LINES, id);

/** The approvals of some orders (one query for a whole page), by order id. */
async function approvalsOf(q: Queryable, ids: string[]): Promise<Map<string, Approval[]>> {
  const byOrder = new Map<string, Approval[]>();
  if (ids.length === 0) return byOrder;
  const { rows } = await q.query<{
    purchase_order_id: string;
    role: string;
    user_id: string;
    user_name: string | null;
    comments: string | null;
    approved_at: Date;
  }>(
    `SELECT a.purchase_order_id, a.role, a.user_id, u.name AS user_name, a.comments, a.approved_at
       FROM purchase_order_approval a
       JOIN purchase_order po ON po.id = a.purchase_order_id
       LEFT JOIN user_replica u ON u.id = a.user_id AND u.organization_id = po.organization_id
      WHERE a.purchase_order_id = ANY($1::uuid[]) ORDER BY a.approved_at, a.role`,
    [ids],
  );
  for (const a of rows) {
    const list = byOrder.get(a.purchase_order_id) ?? [];
    list.push({
      role: a.role,
      userId: a.user_id,
      userName: a.user_name,
      comments: a.comments,
      at: new Date(a.approved_at).toISOString(),
    });
    byOrder.set(a.purchase_order_id, list);
  }
  return byOrder;
}

function toPurchaseOrder(r: Row, lines: PricedLine[], approvals: Approval[]): PurchaseOrder {
  return {
    id: r.id,
    organizationId: r.organization_id,
    companyId: r.company_id,
    number: r.number,
    vendorId: r.vendor_id,
    vendorName: r.vendor_name,
    amount: r.amount,
    status: r.status,
    requiredRoles: r.required_roles,
    requestedBy: r.requested_by,
    requestedByName: r.requested_by_name,
    approvals,
    rejection:
      r.rejected_by && r.rejection_comments && r.decided_at
        ? {
            userId: r.rejected_by,
            userName: r.rejected_by_name,
            comments: r.rejection_comments,
            at: new Date(r.decided_at).toISOString(),
          }
        : null,
    budgetReserved: r.reservation_journal_id !== null,
    reservationJournalId: r.reservation_journal_id,
    submittedAt: iso(r.submitted_at),
    decidedAt: iso(r.decided_at),
    cancelledAt: iso(r.cancelled_at),
    createdAt: new Date(r.created_at).toISOString(),
    correlationId: r.correlation_id,
    lines,
  };
}
