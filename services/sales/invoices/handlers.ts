import { on, type MessageHandler } from '#platform/messaging/bus.js';
import { only } from '#platform/messaging/contract.js';
import { LedgerPosted } from '#contracts/common.js';
import { markPosted } from './store.js';

/** What Sales' invoices do when a message arrives: Common acknowledged an invoice's posting. */
export function invoiceHandlers(): MessageHandler[] {
  return [
    on(only(LedgerPosted, 'invoice'), 'sales.invoices.ledger-posted', (m, tx) => {
      const p = m.payload;
      markPosted(tx, m.organizationId, p.referenceId, p.journalId, m.correlationId);
      return Promise.resolve();
    }),
  ];
}
