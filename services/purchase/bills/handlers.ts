import { on, type MessageHandler } from '#platform/messaging/bus.js';
import { only } from '#platform/messaging/contract.js';
import { LedgerPosted } from '#contracts/common.js';
import { markBillPosted } from './store.js';

/** Common booked a bill's expense: the bill shows `posted`. */
export function billHandlers(): MessageHandler[] {
  return [
    on(only(LedgerPosted, 'bill'), 'purchase.bills.ledger-posted', (m, tx) => {
      const p = m.payload;
      markBillPosted(tx, m.organizationId, p.referenceId, p.journalId, m.correlationId);
      return Promise.resolve();
    }),
  ];
}
