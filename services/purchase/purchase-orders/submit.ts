import type { Principal } from '#platform/auth/claims.js';
import { conflict, forbidden } from '#platform/http/problem.js';
import type { Work, Written } from '#platform/http/write.js';
import { POSubmitted } from '#contracts/purchase.js';
import { lockedOrder } from './load.js';
import { getPurchaseOrder, setStatus } from './store.js';
import { poFacts, view, type PurchaseOrderView } from './view.js';

/** The requester sends their draft for approval: `POSubmitted` names the roles that must approve. */
export async function submitPurchaseOrder(
  work: Work,
  principal: Principal,
  id: string,
): Promise<Written<PurchaseOrderView>> {
  const po = await lockedOrder(work.tx, principal, id);
  if (po.requestedBy !== principal.subject) throw forbidden('only the requester submits a purchase order');
  if (po.status !== 'draft') throw conflict(`the purchase order is ${po.status}, not a draft`);
  await setStatus(work.tx, po.id, 'submitted');
  await work.publish(
    POSubmitted,
    { ...poFacts(po), requiredRoles: po.requiredRoles },
    { companyId: po.companyId },
  );
  const submitted = await getPurchaseOrder(work.tx, principal.organizationId, { id });
  return {
    status: 200,
    body: view(submitted!),
    activity: {
      action: 'purchase-order.submitted',
      detail: { purchaseOrderId: id, requiredRoles: po.requiredRoles },
    },
  };
}
