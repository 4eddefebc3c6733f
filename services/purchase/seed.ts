import type { Db } from '#platform/data/db.js';
import { DEMO_COMPANY, DEMO_ORGANIZATION, DEMO_VENDORS } from '#contracts/demo.js';

/** Demo vendors; safe to run on every start. */
export async function seedPurchase(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    for (const v of DEMO_VENDORS) {
      await tx.query(
        `INSERT INTO vendor (id, organization_id, company_id, name, email) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING`,
        [v.id, DEMO_ORGANIZATION.id, DEMO_COMPANY.id, v.name, v.email],
      );
    }
  });
}
