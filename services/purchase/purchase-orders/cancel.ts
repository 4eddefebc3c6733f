import type { Principal } from '#platform/auth/claims.js';
import { conflict, forbidden } from '#platform/http/problem.js';
import type { Work, Written } from '#platform/http/write.js';
import { lockedOrder } from './load.js';
import { getPurchaseOrder, setStatus } from './store.js';
import { view, type PurchaseOrderView } from './view.js';

/**
 * The requester withdraws their order before its final approval. No event: nothing was reserved
 * yet, and approvers who were mailed see the order cancelled when they open it.
 */
export async function cancelPurchaseOrder(
  work: Work,
  principal: Principal,
  id: string,
): Promise<Written<PurchaseOrderView>> {
  const po = await lockedOrder(work.tx, principal, id);
  if (po.requestedBy !== principal.subject) throw forbidden('only the requester cancels a purchase order');
  if (po.status !== 'draft' && po.status !== 'submitted') {
    throw conflict(
      `the purchase order is ${po.status}; only a draft or one awaiting approval can be cancelled`,
    );
  }
  await setStatus(work.tx, po.id, 'cancelled');
  const after = await getPurchaseOrder(work.tx, principal.organizationId, { id });
  return {
    status: 200,
    body: view(after!),
    activity: { action: 'purchase-order.cancelled', detail: { purchaseOrderId: id } },
  };
}
