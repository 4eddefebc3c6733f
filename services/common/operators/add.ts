import { randomUUID } from 'node:crypto';
import type { Db } from '#platform/data/db.js';
import { recordActivity } from '#platform/observability/activity.js';
import { insertUser, userByEmail } from '../organizations/store.js';
import { ensurePlatformOrganization, grantOperator, PLATFORM_ORGANIZATION } from './store.js';

export type AddOperatorOutcome =
  /** A new platform user was made, an operator. */
  | { outcome: 'created'; userId: string }
  /** An existing platform user became an operator (or already was one). */
  | { outcome: 'granted' | 'already'; userId: string }
  /** The email belongs to an organization's user: the planes are never mixed. */
  | { outcome: 'organization-user'; organizationId: string };

/**
 * Makes `email` an operator of the deployment. Operators are platform users (in the platform's
 * own organization), never an organization's: an organization's admin who also ran the deployment
 * would carry both planes in one token, so their email is refused and another address asked for.
 * A new platform user gets `passwordHash` (the caller hashes; only needed when one is created).
 */
export async function addOperator(
  db: Db,
  input: {
    email: string;
    name: string;
    passwordHash: () => Promise<string>;
    grantedBy: string;
    /** The new user's id (the demo's is fixed); a fresh one otherwise. */
    id?: string;
  },
): Promise<AddOperatorOutcome> {
  const existing = await userByEmail(db, input.email);
  if (existing && existing.organizationId !== PLATFORM_ORGANIZATION.id) {
    return { outcome: 'organization-user', organizationId: existing.organizationId };
  }
  const passwordHash = existing ? '' : await input.passwordHash();
  return db.transaction(async (tx) => {
    await ensurePlatformOrganization(tx);
    let userId = existing?.id;
    let created = false;
    if (!userId) {
      userId = input.id ?? randomUUID();
      created = await insertUser(tx, {
        id: userId,
        organizationId: PLATFORM_ORGANIZATION.id,
        email: input.email.toLowerCase(),
        name: input.name,
        roles: [],
        passwordHash,
        companies: [],
      });
      if (!created)
        throw new Error(`a user with email ${input.email} appeared meanwhile; run the command again`);
    }
    const granted = await grantOperator(tx, userId, input.grantedBy);
    if (granted) {
      recordActivity(
        tx,
        'operator.granted',
        { userId, grantedBy: input.grantedBy },
        { organizationId: PLATFORM_ORGANIZATION.id, correlationId: `operator:${userId}` },
      );
    }
    return { outcome: created ? 'created' : granted ? 'granted' : 'already', userId };
  });
}
