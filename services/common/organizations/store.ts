import type { Queryable } from '#platform/data/db.js';
import { seedChart } from '../ledger/chart.js';

export interface UserRecord {
  id: string;
  organizationId: string;
  email: string;
  name: string;
  roles: string[];
  passwordHash: string;
  active: boolean;
  companies: string[];
  /** The customer this user is (a resident paying their own bills), if linked. */
  customerId?: string | null;
  /** An operator of the deployment (services/common/operators): a platform role, not a role here. */
  operator?: boolean;
}

/** Creates the organization with its companies and default chart; false when it already existed. */
export async function insertOrganization(
  q: Queryable,
  org: { id: string; name: string; companies: Array<{ id: string; name: string }> },
): Promise<boolean> {
  const inserted = await q.query(
    'INSERT INTO organization (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING',
    [org.id, org.name],
  );
  for (const c of org.companies) {
    await q.query(
      'INSERT INTO company (id, organization_id, name) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING',
      [c.id, org.id, c.name],
    );
  }
  await seedChart(q, org.id);
  return inserted.rowCount === 1;
}

export async function companiesOf(
  q: Queryable,
  organizationId: string,
): Promise<Array<{ id: string; name: string }>> {
  const { rows } = await q.query<{ id: string; name: string }>(
    'SELECT id, name FROM company WHERE organization_id = $1 ORDER BY created_at, id',
    [organizationId],
  );
  return rows;
}

/** Adds a user with access to the given companies; false when the id or email is taken. */
export async function insertUser(q: Queryable, u: Omit<UserRecord, 'active'>): Promise<boolean> {
  const inserted = await q.query(
    `INSERT INTO app_user (id, organization_id, email, name, password_hash, roles)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [u.id, u.organizationId, u.email, u.name, u.passwordHash, u.roles],
  );
  if (inserted.rowCount !== 1) return false;
  for (const companyId of u.companies) {
    await q.query('INSERT INTO user_company (user_id, company_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      u.id,
      companyId,
    ]);
  }
  return true;
}

interface UserRow {
  id: string;
  organization_id: string;
  email: string;
  name: string;
  roles: string[];
  password_hash: string;
  active: boolean;
  companies: string[] | null;
  customer_id: string | null;
  operator: boolean;
}

const USER_SELECT = `
  SELECT u.id, u.organization_id, u.email, u.name, u.roles, u.password_hash, u.active,
         array(SELECT uc.company_id::text FROM user_company uc WHERE uc.user_id = u.id ORDER BY uc.company_id) AS companies,
         (SELECT ul.customer_id FROM user_customer ul WHERE ul.user_id = u.id) AS customer_id,
         EXISTS (SELECT 1 FROM platform_operator po WHERE po.user_id = u.id) AS operator
    FROM app_user u`;

const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  organizationId: r.organization_id,
  email: r.email,
  name: r.name,
  roles: r.roles,
  passwordHash: r.password_hash,
  active: r.active,
  companies: r.companies ?? [],
  customerId: r.customer_id,
  operator: r.operator === true,
});

export async function userByEmail(q: Queryable, email: string): Promise<UserRecord | null> {
  const { rows } = await q.query<UserRow>(`${USER_SELECT} WHERE lower(u.email) = lower($1)`, [email]);
  return rows[0] ? toUser(rows[0]) : null;
}

export async function userById(q: Queryable, organizationId: string, id: string): Promise<UserRecord | null> {
  const { rows } = await q.query<UserRow>(`${USER_SELECT} WHERE u.organization_id = $1 AND u.id = $2`, [
    organizationId,
    id,
  ]);
  return rows[0] ? toUser(rows[0]) : null;
}
