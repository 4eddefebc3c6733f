import type { Queryable } from '#platform/data/db.js';

/**
 * The platform's own organization: home of the operators' users, with no companies, chart or
 * business data, and announced to no service (no society sees it). Its id is fixed so every
 * deployment has the same one.
 */
export const PLATFORM_ORGANIZATION = {
  id: '00000000-0000-4000-8000-00000000d0a1',
  name: 'Dhanman platform (operators)',
} as const;

export async function ensurePlatformOrganization(q: Queryable): Promise<void> {
  await q.query('INSERT INTO organization (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [
    PLATFORM_ORGANIZATION.id,
    PLATFORM_ORGANIZATION.name,
  ]);
}

/** Makes a user an operator; false when they already were one. */
export async function grantOperator(q: Queryable, userId: string, grantedBy: string): Promise<boolean> {
  const { rowCount } = await q.query(
    'INSERT INTO platform_operator (user_id, granted_by) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING',
    [userId, grantedBy],
  );
  return rowCount === 1;
}
