import type { Queryable } from '#platform/data/db.js';
import { upsertReplica } from '#platform/data/replica.js';
import { forgetBatchReads } from './batch-reads.js';

/**
 * Notification's copies of other services' facts (customers, users, organizations), fed by
 * events (and the demo seed). Each row keeps the time of the event that wrote it; an older event
 * never wins (platform/data/replica.ts).
 */

export async function upsertOrganization(q: Queryable, id: string, name: string, at: string): Promise<void> {
  forgetBatchReads(q);
  await upsertReplica(q, 'organization_replica', { id, name }, at);
}

export async function upsertContact(
  q: Queryable,
  c: { id: string; organizationId: string; name: string; email: string; at: string },
): Promise<void> {
  forgetBatchReads(q);
  await upsertReplica(
    q,
    'contact',
    { id: c.id, organization_id: c.organizationId, name: c.name, email: c.email },
    c.at,
  );
}

export interface Person {
  name: string;
  email: string;
  /** When this knowledge was current (the event's time). */
  at: Date;
}

/** A customer's contact and their organization's name, in one query (both may be unknown). */
export async function contactOf(
  q: Queryable,
  organizationId: string,
  customerId: string,
): Promise<{ contact: Person | null; organizationName: string | null }> {
  const found = await contactsOf(q, [{ organizationId, customerId }]);
  return found.get(contactKey(organizationId, customerId)) ?? { contact: null, organizationName: null };
}

/** Several customers' contacts and organization names in one query, by `contactKey`. */
export async function contactsOf(
  q: Queryable,
  wanted: ReadonlyArray<{ organizationId: string; customerId: string }>,
): Promise<Map<string, { contact: Person | null; organizationName: string | null }>> {
  const { rows } = await q.query<{
    organization_id: string;
    customer_id: string;
    organization_name: string | null;
    name: string | null;
    email: string | null;
    updated_at: Date | null;
  }>(
    `SELECT w.organization_id, w.customer_id, o.name AS organization_name, c.name, c.email, c.updated_at
       FROM unnest($1::uuid[], $2::uuid[]) AS w(organization_id, customer_id)
       LEFT JOIN organization_replica o ON o.id = w.organization_id
       LEFT JOIN contact c ON c.organization_id = w.organization_id AND c.id = w.customer_id`,
    [wanted.map((w) => w.organizationId), wanted.map((w) => w.customerId)],
  );
  return new Map(
    rows.map((r) => [
      contactKey(String(r.organization_id), String(r.customer_id)),
      {
        contact:
          r.name && r.email && r.updated_at
            ? { name: r.name, email: r.email, at: new Date(r.updated_at) }
            : null,
        organizationName: r.organization_name,
      },
    ]),
  );
}

export const contactKey = (organizationId: string, customerId: string): string =>
  `${organizationId}/${customerId}`.toLowerCase();

export async function userOf(q: Queryable, organizationId: string, userId: string): Promise<Person | null> {
  const { rows } = await q.query<{ name: string; email: string; updated_at: Date }>(
    'SELECT name, email, updated_at FROM user_replica WHERE organization_id = $1 AND id = $2',
    [organizationId, userId],
  );
  return rows[0] ? { name: rows[0].name, email: rows[0].email, at: new Date(rows[0].updated_at) } : null;
}

/** Active users of the organization holding any of the roles. */
export async function usersWithRoles(
  q: Queryable,
  organizationId: string,
  roles: readonly string[],
): Promise<Array<Person & { id: string; roles: string[] }>> {
  const { rows } = await q.query<{
    id: string;
    name: string;
    email: string;
    roles: string[];
    updated_at: Date;
  }>(
    'SELECT id, name, email, roles, updated_at FROM user_replica WHERE organization_id = $1 AND roles && $2::text[] ORDER BY email',
    [organizationId, [...roles]],
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    email: r.email,
    roles: r.roles,
    at: new Date(r.updated_at),
  }));
}

export async function organizationNameOf(q: Queryable, organizationId: string): Promise<string | null> {
  const { rows } = await q.query<{ name: string }>('SELECT name FROM organization_replica WHERE id = $1', [
    organizationId,
  ]);
  return rows[0]?.name ?? null;
}

/**
 * Who a customer mail goes to: the message's own copy of the contact (as Sales saw it) or the
 * replica, whichever is newer. With neither there is no one to write to.
 */
export function pickRecipient(
  fromMessage: { name?: string | undefined; email?: string | undefined; at: Date },
  replica: Person | null,
): { name: string; email: string } | null {
  const messageCopy = fromMessage.email
    ? { name: fromMessage.name ?? fromMessage.email, email: fromMessage.email }
    : null;
  if (replica && (!messageCopy || replica.at.getTime() > fromMessage.at.getTime())) {
    return { name: replica.name, email: replica.email };
  }
  return messageCopy;
}
