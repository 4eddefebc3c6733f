import { randomUUID } from 'node:crypto';
import type { Principal } from '#platform/auth/claims.js';
import { forbidden, unprocessable } from '#platform/http/problem.js';
import type { Work, Written } from '#platform/http/write.js';
import { getVendor } from '../vendors/store.js';
import { PurchaseOrderRuleError, priceLines, requiredRolesFor, type LineInput } from './rules.js';
import { insertPurchaseOrder } from './numbered-insert.js';
import { getPurchaseOrder } from './store.js';
import { view, type PurchaseOrderView } from './view.js';

export interface CreatePurchaseOrderBody {
  vendorId: string;
  items: LineInput[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A draft purchase order for a vendor of the caller's organization, numbered PO-YYYYMM-0001, with
 * its lines priced exactly. The caller is its requester. The Idempotency-Key's response is
 * recorded in the same transaction (runWrite), so a retry never makes a second order.
 */
export async function createPurchaseOrder(
  work: Work,
  principal: Principal,
  body: CreatePurchaseOrderBody,
  req: { correlationId: string; idempotencyKey: string | null; now: Date },
): Promise<Written<PurchaseOrderView>> {
  if (principal.kind !== 'user' || !UUID.test(principal.subject)) {
    throw forbidden('a purchase order is requested by a user');
  }
  const vendor = await getVendor(work.tx, principal.organizationId, body.vendorId);
  if (!vendor) {
    throw unprocessable(`vendor ${body.vendorId} does not exist`, [
      { in: 'body', path: 'vendorId', message: 'unknown vendor' },
    ]);
  }
  let priced;
  try {
    priced = priceLines(body.items);
  } catch (err) {
    if (err instanceof PurchaseOrderRuleError) {
      throw unprocessable(err.message, [{ in: 'body', path: err.field, message: err.message }]);
    }
    throw err;
  }
  const id = randomUUID();
  await insertPurchaseOrder(
    work.tx,
    {
      id,
      organizationId: principal.organizationId,
      companyId: vendor.companyId,
      vendorId: vendor.id,
      amount: priced.amount,
      requiredRoles: requiredRolesFor(priced.amount),
      requestedBy: principal.subject,
      correlationId: req.correlationId,
      idempotencyKey: req.idempotencyKey,
      lines: priced.lines,
    },
    req.now,
  );
  const po = await getPurchaseOrder(work.tx, principal.organizationId, { id });
  return {
    status: 201,
    body: view(po!),
    activity: { action: 'purchase-order.created', detail: { purchaseOrderId: id, amount: priced.amount } },
  };
}
