import { hashPassword, type ScryptCost } from './auth/passwords.js';
import type { Db } from '#platform/data/db.js';
import type { Bus } from '#platform/messaging/bus.js';
import { CustomerCreated } from '#contracts/common.js';
import {
  DEMO_COMPANY,
  DEMO_OPERATOR,
  DEMO_ORGANIZATION,
  DEMO_RESIDENTS,
  DEMO_USERS,
} from '#contracts/demo.js';
import { customerFacts, insertCustomer } from './customers/store.js';
import { userByEmail } from './organizations/store.js';
import { registerOrganization, registerUser } from './organizations/registration.js';
import { addOperator } from './operators/add.js';

/**
 * The demo organization: its company, default chart, the demo users (password from
 * DHANMAN_DEMO_PASSWORD) and the residents as customers, with their events; and the platform's demo
 * operator (in no organization). Safe on every start.
 */
export async function seedCommon(db: Db, bus: Bus, demoPassword: string, cost: ScryptCost): Promise<void> {
  const org = DEMO_ORGANIZATION.id;
  const missingUsers: Array<(typeof DEMO_USERS)[number]> = [];
  for (const u of DEMO_USERS) if (!(await userByEmail(db, u.email))) missingUsers.push(u);
  // A salt (so a hash) per user, though they share the demo password: one cracked hash must not
  // open every account. Hashed side by side; each is deliberately slow.
  const hashes = await Promise.all(missingUsers.map(() => hashPassword(demoPassword, cost)));
  await db.transaction(async (tx) => {
    await registerOrganization(tx, bus, {
      id: org,
      name: DEMO_ORGANIZATION.name,
      companies: [{ id: DEMO_COMPANY.id, name: DEMO_COMPANY.name }],
    });
    for (const [i, u] of missingUsers.entries()) {
      await registerUser(tx, bus, org, [DEMO_COMPANY.id], {
        id: u.id,
        email: u.email,
        name: u.name,
        roles: [...u.roles],
        passwordHash: hashes[i]!,
      });
    }
    for (const r of DEMO_RESIDENTS) {
      const exists = await tx.query('SELECT 1 FROM customer WHERE id = $1', [r.customerId]);
      if (exists.rowCount > 0) continue;
      const c = await insertCustomer(tx, {
        id: r.customerId,
        organizationId: org,
        companyId: DEMO_COMPANY.id,
        name: r.name,
        email: r.email,
      });
      await bus.publish(tx, CustomerCreated, customerFacts(c), {
        organizationId: org,
        companyId: DEMO_COMPANY.id,
      });
    }
    // The demo resident pays their own bills: their user is the customer with their email.
    await tx.query(
      `INSERT INTO user_customer (user_id, customer_id)
       SELECT u.id, c.id FROM app_user u JOIN customer c ON lower(c.email) = lower(u.email) AND c.organization_id = u.organization_id
        WHERE u.organization_id = $1 AND 'resident' = ANY (u.roles)
       ON CONFLICT DO NOTHING`,
      [org],
    );
  });
  await addOperator(db, {
    id: DEMO_OPERATOR.id,
    email: DEMO_OPERATOR.email,
    name: DEMO_OPERATOR.name,
    passwordHash: () => hashPassword(demoPassword, cost),
    grantedBy: 'demo seed',
  });
}
