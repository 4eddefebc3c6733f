import type { Db } from '#platform/data/db.js';
import { DEMO_COMPANY, DEMO_EMPLOYEES, DEMO_ORGANIZATION } from '#contracts/demo.js';

/** Demo employees; safe to run on every start. */
export async function seedPayroll(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    for (const e of DEMO_EMPLOYEES) {
      await tx.query(
        `INSERT INTO employee (id, organization_id, company_id, name, role, monthly_salary)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [e.id, DEMO_ORGANIZATION.id, DEMO_COMPANY.id, e.name, e.role, e.monthlySalary],
      );
    }
  });
}
