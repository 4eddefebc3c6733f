import { upsertReplica } from '#platform/data/replica.js';
import { on, type MessageHandler } from '#platform/messaging/bus.js';
import { recordActivity } from '#platform/observability/activity.js';
import { LedgerPosted, UserCreated, userReplicaRow } from '#contracts/common.js';
import { markPosted } from './invoices/store.js';

/** Sales listens for Common's acknowledgements (invoice posted) and keeps a replica of users. */
export function salesHandlers(): MessageHandler[] {
  return [
    on(LedgerPosted, 'sales.invoice-posted', async (m, tx) => {
      const p = m.payload;
      // The invoice's own posting; its reversal (a void) leaves the invoice's journal as it was.
      if (p.referenceType !== 'invoice' || p.postingKind !== 'invoice') return;
      const found = await markPosted(tx, m.organizationId, p.referenceId, p.journalId, m.correlationId);
      if (!found) await recordActivity(tx, 'invoice.posted-unknown', { invoiceId: p.referenceId });
    }),
    on(UserCreated, 'sales.replica.user', (m, tx) =>
      upsertReplica(tx, 'user_replica', userReplicaRow(m), m.occurredAt),
    ),
  ];
}
