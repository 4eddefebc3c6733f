import type { Db } from '#platform/data/db.js';
import { upsertReplica } from '#platform/data/replica.js';
import { DEMO_COMPANY, DEMO_EMPLOYEES, DEMO_ORGANIZATION, DEMO_USERS } from '#contracts/demo.js';

// Older than any event: the replica's own updates (from Common's UserCreated) always win.
const SEED_TIME = '1970-01-01T00:00:00Z';

/** Demo employees and the demo users for the replica; safe to run on every start. */
export async function seedPayroll(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    for (const e of DEMO_EMPLOYEES) {
      await tx.query(
        `INSERT INTO employee (id, organization_id, company_id, name, email, role, monthly_gross, monthly_deductions)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO UPDATE SET email = coalesce(employee.email, excluded.email)`,
        [
          e.id,
          DEMO_ORGANIZATION.id,
          DEMO_COMPANY.id,
          e.name,
          e.email,
          e.role,
          e.monthlyGross,
          e.monthlyDeductions,
        ],
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
