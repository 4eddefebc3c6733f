import type { Db } from '#platform/data/db.js';
import { upsertReplica } from '#platform/data/replica.js';
import { DEMO_COMPANY, DEMO_ORGANIZATION, DEMO_USERS, DEMO_VENDORS } from '#contracts/demo.js';

// Older than any event: the replica's own updates (from Common's UserCreated) always win.
const SEED_TIME = '1970-01-01T00:00:00Z';

/**
 * Demo vendors, and the demo users' names for the replica (on a first start Common's seed events
 * may be published before this service's queue exists). Safe to run on every start.
 */
export async function seedPurchase(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    for (const v of DEMO_VENDORS) {
      await tx.query(
        `INSERT INTO vendor (id, organization_id, company_id, name, email) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING`,
        [v.id, DEMO_ORGANIZATION.id, DEMO_COMPANY.id, v.name, v.email],
      );
    }
    for (const u of DEMO_USERS) {
      const row = {
        id: u.id,
        organization_id: DEMO_ORGANIZATION.id,
        email: u.email,
        name: u.name,
        roles: [...u.roles],
      };
      await upsertReplica(tx, 'user_replica', row, SEED_TIME);
    }
  });
}
