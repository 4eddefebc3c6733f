import { on, type MessageHandler } from '#platform/messaging/bus.js';
import { recordActivity } from '#platform/observability/activity.js';
import { LedgerPosted } from '#contracts/common.js';
import { markBillPosted } from './store.js';

/** Common booked a bill's expense: the bill shows `posted`. */
export function billHandlers(): MessageHandler[] {
  return [
    on(LedgerPosted, 'purchase.bills.ledger-posted', async (m, tx) => {
      const p = m.payload;
      if (p.referenceType !== 'bill') return;
      const found = await markBillPosted(tx, m.organizationId, p.referenceId, p.journalId);
      await recordActivity(tx, found ? 'bill.posted' : 'bill.posted-unknown', {
        billId: p.referenceId,
        journalId: p.journalId,
      });
    }),
  ];
}
