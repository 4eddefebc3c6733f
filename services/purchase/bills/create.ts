import { randomUUID } from 'node:crypto';
import type { Principal } from '#platform/auth/claims.js';
import { conflict, unprocessable } from '#platform/http/problem.js';
import type { Work, Written } from '#platform/http/write.js';
import { BillCreated } from '#contracts/purchase.js';
import { getPurchaseOrder } from '../purchase-orders/store.js';
import { getVendor } from '../vendors/store.js';
import { checkSmallSpend, checkWithinOrder } from './rules.js';
import { billForOrder, billedAgainst, getBill, insertBill, type Bill } from './store.js';

export interface CreateBillBody {
  vendorId: string;
  amount: string;
  dueDate: string;
  purchaseOrderId?: string | undefined;
}

const unknown = (path: string, what: string) =>
  unprocessable(`${what} does not exist`, [{ in: 'body', path, message: `unknown ${path}` }]);

/**
 * A vendor's bill, numbered BILL-YYYYMM-0001, optionally for a purchase order: the order must be
 * this vendor's, approved, and not billed yet (409 otherwise), and the bill within what the order
 * approved less what was billed against it (422 with both figures; the order's row is locked, so
 * two bills at once cannot both pass). Without an order it is a small spend (rules.ts).
 * `BillCreated` makes Common release the order's reservation and book the expense.
 */
export async function createBill(
  work: Work,
  principal: Principal,
  body: CreateBillBody,
  req: { correlationId: string; idempotencyKey: string | null; now: Date },
): Promise<Written<Bill>> {
  if (!body.purchaseOrderId) checkSmallSpend(principal, body.amount);
  const vendor = await getVendor(work.tx, principal.organizationId, body.vendorId);
  if (!vendor) throw unknown('vendorId', `vendor ${body.vendorId}`);
  let companyId: string | null = vendor.companyId;
  if (body.purchaseOrderId) {
    const po = await getPurchaseOrder(
      work.tx,
      principal.organizationId,
      { id: body.purchaseOrderId },
      { lock: true },
    );
    if (!po) throw unknown('purchaseOrderId', `purchase order ${body.purchaseOrderId}`);
    if (po.vendorId !== vendor.id) {
      throw unprocessable(`purchase order ${po.number} is for another vendor`, [
        { in: 'body', path: 'purchaseOrderId', message: 'another vendor’s purchase order' },
      ]);
    }
    if (po.status !== 'approved') throw conflict(`purchase order ${po.number} is ${po.status}, not approved`);
    const billed = await billForOrder(work.tx, po.id);
    if (billed) throw conflict(`purchase order ${po.number} is already billed (${billed})`);
    checkWithinOrder(po, await billedAgainst(work.tx, po.id), body.amount);
    companyId = po.companyId;
  }
  const id = randomUUID();
  const number = await insertBill(
    work.tx,
    {
      id,
      organizationId: principal.organizationId,
      companyId,
      vendorId: vendor.id,
      purchaseOrderId: body.purchaseOrderId ?? null,
      amount: body.amount,
      dueDate: body.dueDate,
      createdBy: principal.subject,
      correlationId: req.correlationId,
      idempotencyKey: req.idempotencyKey,
    },
    req.now,
  );
  await work.publish(
    BillCreated,
    {
      billId: id,
      number,
      vendorId: vendor.id,
      amount: body.amount,
      purchaseOrderId: body.purchaseOrderId ?? null,
    },
    { companyId },
  );
  const bill = await getBill(work.tx, principal.organizationId, id);
  return {
    status: 201,
    body: bill!,
    activity: { action: 'bill.created', detail: { billId: id, amount: body.amount } },
  };
}
