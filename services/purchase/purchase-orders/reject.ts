import type { Principal } from '#platform/auth/claims.js';
import type { Work, Written } from '#platform/http/write.js';
import { PORejected } from '#contracts/purchase.js';
import { lockedOrder, refuse } from './load.js';
import { decideRejection } from './rules.js';
import { getPurchaseOrder, setStatus } from './store.js';
import { poFacts, view, type PurchaseOrderView } from './view.js';

/** A pending approver turns the order down, saying why; `PORejected` carries the comments. */
export async function rejectPurchaseOrder(
  work: Work,
  principal: Principal,
  id: string,
  comments: string,
): Promise<Written<PurchaseOrderView>> {
  const po = await lockedOrder(work.tx, principal, id);
  const decision = decideRejection(po, { userId: principal.subject, roles: principal.roles });
  if (!decision.ok) refuse(decision);
  await setStatus(work.tx, po.id, 'rejected', { rejectedBy: principal.subject, rejectionComments: comments });
  await work.publish(
    PORejected,
    { ...poFacts(po), rejectedBy: principal.subject, comments },
    { companyId: po.companyId },
  );
  const after = await getPurchaseOrder(work.tx, principal.organizationId, { id });
  return {
    status: 200,
    body: view(after!),
    activity: { action: 'purchase-order.rejected', detail: { purchaseOrderId: id, role: decision.role } },
  };
}
