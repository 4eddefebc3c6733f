import { randomUUID } from 'node:crypto';
import type { Db } from '#platform/data/db.js';
import { DEMO_COMPANY, DEMO_ORGANIZATION, DEMO_RESIDENTS } from '#contracts/demo.js';

/** Demo buildings, units and residents; safe to run on every start. */
export async function seedCommunity(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    const org = DEMO_ORGANIZATION.id;
    const company = DEMO_COMPANY.id;
    const buildingIds = new Map<string, string>();
    for (const tower of new Set(DEMO_RESIDENTS.map((r) => r.unit.charAt(0)))) {
      const name = `Tower ${tower}`;
      await tx.query(
        `INSERT INTO building (id, organization_id, company_id, name) VALUES ($1, $2, $3, $4)
         ON CONFLICT (organization_id, name) DO NOTHING`,
        [randomUUID(), org, company, name],
      );
      const { rows } = await tx.query<{ id: string }>(
        'SELECT id FROM building WHERE organization_id = $1 AND name = $2',
        [org, name],
      );
      buildingIds.set(tower, rows[0]!.id);
    }
    for (const r of DEMO_RESIDENTS) {
      await tx.query(
        `INSERT INTO unit (id, organization_id, company_id, building_id, code) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (organization_id, code) DO NOTHING`,
        [randomUUID(), org, company, buildingIds.get(r.unit.charAt(0)), r.unit],
      );
      await tx.query(
        `INSERT INTO resident (id, organization_id, company_id, unit_id, customer_id, name, email, monthly_charges)
         SELECT $1, $2, $3, u.id, $4, $5, $6, $7 FROM unit u WHERE u.organization_id = $2 AND u.code = $8
         ON CONFLICT DO NOTHING`,
        [r.residentId, org, company, r.customerId, r.name, r.email, r.monthlyCharges, r.unit],
      );
    }
  });
}
