import { on, type MessageHandler } from '../../platform/messaging/bus.js';
import { recordActivity } from '../../platform/observability/activity.js';
import { LedgerPosted, UserCreated } from '../../contracts/common.js';
import { markPosted } from './invoices/store.js';

/** Sales listens for Common's acknowledgements (invoice posted) and keeps a replica of users. */
export function salesHandlers(): MessageHandler[] {
  return [
    on(LedgerPosted, 'sales.invoice-posted', async (m, tx) => {
      const p = m.payload;
      if (p.referenceType !== 'invoice') return;
      const found = await markPosted(tx, m.organizationId, p.referenceId, p.journalId, m.correlationId);
      if (!found) await recordActivity(tx, 'invoice.posted-unknown', { invoiceId: p.referenceId });
    }),
    on(UserCreated, 'sales.replica.user', async (m, tx) => {
      const p = m.payload;
      await tx.query(
        `INSERT INTO user_replica (id, organization_id, email, name, roles, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET email = excluded.email, name = excluded.name, roles = excluded.roles,
                                        updated_at = excluded.updated_at
          WHERE user_replica.updated_at <= excluded.updated_at`,
        [p.userId, m.organizationId, p.email, p.name, p.roles, m.occurredAt],
      );
    }),
  ];
}
