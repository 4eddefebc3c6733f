import type { Tx } from '#platform/data/db.js';
import type { Bus } from '#platform/messaging/bus.js';
import { recordActivity } from '#platform/observability/activity.js';
import { OrganizationRegistered, UserCreated } from '#contracts/common.js';
import { insertOrganization, insertUser } from './store.js';

export interface NewOrganization {
  id: string;
  name: string;
  companies: Array<{ id: string; name: string }>;
  /** IANA zone; announced to the services that keep time per organization (Sales' monthly run). */
  timeZone?: string;
}

export interface NewUser {
  id: string;
  email: string;
  name: string;
  roles: string[];
  passwordHash: string;
}

/** Creates an organization (companies, default chart) and announces it; nothing when it exists. */
export async function registerOrganization(tx: Tx, bus: Bus, org: NewOrganization): Promise<boolean> {
  const created = await insertOrganization(tx, org);
  if (created) {
    await bus.publish(
      tx,
      OrganizationRegistered,
      {
        organizationId: org.id,
        name: org.name,
        companies: org.companies.map((c) => ({ companyId: c.id, name: c.name })),
        ...(org.timeZone ? { timeZone: org.timeZone } : {}),
      },
      { organizationId: org.id, companyId: null },
    );
    recordActivity(
      tx,
      'organization.registered',
      { organizationId: org.id },
      { correlationId: org.id, organizationId: org.id },
    );
  }
  return created;
}

/**
 * Adds a user working for `companies` and announces them (UserCreated); false when the id or
 * email is taken.
 */
export async function registerUser(
  tx: Tx,
  bus: Bus,
  organizationId: string,
  companies: string[],
  user: NewUser,
): Promise<boolean> {
  const created = await insertUser(tx, { ...user, organizationId, companies });
  if (created) {
    await bus.publish(
      tx,
      UserCreated,
      { userId: user.id, email: user.email, name: user.name, roles: user.roles },
      { organizationId, companyId: null },
    );
  }
  return created;
}
