import { on, type MessageHandler } from '#platform/messaging/bus.js';
import { only } from '#platform/messaging/contract.js';
import { recordActivity } from '#platform/observability/activity.js';
import { LedgerPosted } from '#contracts/common.js';
import { markReserved } from './store.js';

/** Common reserved an approved order's budget: the order shows `budgetReserved`. */
export function purchaseOrderHandlers(): MessageHandler[] {
  return [
    on(only(LedgerPosted, 'po-reservation'), 'purchase.purchase-orders.ledger-posted', async (m, tx) => {
      const p = m.payload;
      const found = await markReserved(tx, m.organizationId, p.referenceId, p.journalId);
      recordActivity(tx, found ? 'purchase-order.budget-reserved' : 'purchase-order.reserved-unknown', {
        purchaseOrderId: p.referenceId,
        journalId: p.journalId,
      });
    }),
  ];
}
