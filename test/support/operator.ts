import { DEMO_ORGANIZATION } from '#contracts/demo.js';
import { DEFAULT_DEMO_PASSWORD } from '#contracts/demo.js';
import { dbOf, type TestSystem } from './system.js';

/** The platform's operator in the demo data (docs/adr/0023). */
export const OPERATOR_EMAIL = 'operator@demo.dhanman.local';

/**
 * Signs in as the deployment's operator (a user holding the `operator` platform role) and returns
 * the bearer token. Where the demo data has no operator yet, one is written straight into Common's
 * users with the demo admin's password hash: tests only, the way `operators add` would make one.
 */
export async function operatorToken(system: TestSystem): Promise<string> {
  await dbOf(system, 'common').query(
    `INSERT INTO app_user (id, organization_id, email, name, password_hash, roles)
     SELECT gen_random_uuid(), $1, $2, 'Olu Operator', password_hash, ARRAY['operator']
       FROM app_user WHERE lower(email) = 'admin@demo.dhanman.local'
     ON CONFLICT (lower(email)) DO NOTHING`,
    [DEMO_ORGANIZATION.id, OPERATOR_EMAIL],
  );
  return system.login(OPERATOR_EMAIL, DEFAULT_DEMO_PASSWORD);
}
