import type { Db } from '#platform/data/db.js';
import { DEMO_ORGANIZATION, DEMO_RESIDENTS, DEMO_USERS } from '#contracts/demo.js';
import { upsertReplica } from '#platform/data/replica.js';
import { upsertContact, upsertOrganization } from './replicas/store.js';

// Older than any event: the replicas' own updates (from Common's events) always win over the seed.
const SEED_TIME = '1970-01-01T00:00:00Z';

/**
 * The demo organization's name, users and customers, from the fixed demo ids: on a first start
 * Common's seed events may be published before Notification's queue exists, and mail must still
 * find its recipients.
 */
export async function seedNotification(db: Db): Promise<void> {
  const organizationId = DEMO_ORGANIZATION.id;
  await db.transaction(async (tx) => {
    await upsertOrganization(tx, organizationId, DEMO_ORGANIZATION.name, SEED_TIME);
    for (const u of DEMO_USERS) {
      // The row UserCreated's userReplicaRow makes, from the demo user instead of an event.
      const row = {
        id: u.id,
        organization_id: organizationId,
        email: u.email,
        name: u.name,
        roles: [...u.roles],
      };
      await upsertReplica(tx, 'user_replica', row, SEED_TIME);
    }
    for (const r of DEMO_RESIDENTS) {
      await upsertContact(tx, {
        id: r.customerId,
        organizationId,
        name: r.name,
        email: r.email,
        at: SEED_TIME,
      });
    }
  });
}
