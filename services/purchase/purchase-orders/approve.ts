import type { Principal } from '#platform/auth/claims.js';
import type { Work, Written } from '#platform/http/write.js';
import { POApproved } from '#contracts/purchase.js';
import { lockedOrder, refuse } from './load.js';
import { decideApproval } from './rules.js';
import { getPurchaseOrder, insertApproval, setStatus } from './store.js';
import { poFacts, view, type PurchaseOrderView } from './view.js';

/**
 * One approval, in the role the order needs next. The last one makes the order approved and
 * publishes `POApproved` (once: the order is locked, and an approved order takes no approval).
 */
export async function approvePurchaseOrder(
  work: Work,
  principal: Principal,
  id: string,
  comments: string | null,
): Promise<Written<PurchaseOrderView>> {
  const po = await lockedOrder(work.tx, principal, id);
  const decision = decideApproval(po, { userId: principal.subject, roles: principal.roles });
  if (!decision.ok) refuse(decision);
  await insertApproval(work.tx, {
    purchaseOrderId: po.id,
    role: decision.role,
    userId: principal.subject,
    comments,
  });
  if (decision.final) {
    await setStatus(work.tx, po.id, 'approved');
    await work.publish(
      POApproved,
      { ...poFacts(po), approvedBy: principal.subject, ...(comments ? { comments } : {}) },
      { companyId: po.companyId },
    );
  }
  const after = await getPurchaseOrder(work.tx, principal.organizationId, { id });
  return {
    status: 200,
    body: view(after!),
    activity: {
      action: decision.final ? 'purchase-order.approved' : 'purchase-order.approval-recorded',
      detail: { purchaseOrderId: id, role: decision.role },
    },
  };
}
