import { setTimeout as sleep } from 'node:timers/promises';
import { needsRehash, verifyPassword, hashPassword } from './passwords.js';
import { OPERATOR } from '#platform/auth/claims.js';
import type { SignedToken, TokenSigner } from './signer.js';
import type { Db } from '#platform/data/db.js';
import { PROBLEM_TYPES, ProblemError, unauthorized } from '#platform/http/problem.js';
import { userByEmail, type UserRecord } from '../organizations/store.js';
import type { AuthConfig } from './config.js';
import { permissionsFor } from './roles.js';
import { startSession, type IssuedRefreshToken } from './sessions.js';
import { claimAttempt, recordFailure, recordLocked, recordSuccess } from './throttle.js';

export interface SignInDeps {
  db: Db;
  signer: TokenSigner;
  config: AuthConfig;
}

/** The same answer whether the account or the address is locked, and whether the account exists. */
export const tooManySignIns = (seconds: number) =>
  new ProblemError(
    {
      type: PROBLEM_TYPES.tooManyRequests,
      title: 'Too many sign-in attempts',
      status: 429,
      detail: `Too many failed sign-ins; try again in ${seconds} s.`,
    },
    { headers: { 'retry-after': String(seconds) } },
  );

/** An access token for the user as they are now (roles and companies read afresh). */
export const accessTokenFor = (signer: TokenSigner, user: UserRecord): Promise<SignedToken> =>
  signer.sign({
    subject: user.id,
    organizationId: user.organizationId,
    companies: user.companies,
    roles: user.roles,
    permissions: permissionsFor(user.roles, user.operator === true),
    // The platform role rides beside the organization's roles, never among them.
    ...(user.operator ? { platformRoles: [OPERATOR] } : {}),
    kind: 'user',
    // A resident's token names the customer they are, so Sales shows them only their own invoices.
    customerId: user.customerId ?? null,
  });

/**
 * Email and password from a client address give an access token and the first refresh token of
 * a new session. Each attempt is counted first, atomically; locked accounts and addresses get a
 * 429 before the password is looked at;
 * wrong credentials a 401 (held back once an account keeps failing); neither says whether the
 * email belongs to anyone.
 */
export async function signIn(
  deps: SignInDeps,
  input: { email: string; password: string; address: string },
): Promise<SignedToken & IssuedRefreshToken> {
  const { db, config } = deps;
  const attempt = { email: input.email, address: input.address };
  const user = await userByEmail(db, input.email);
  // Counted before the password is checked: parallel guesses each take a place in the count.
  const claimed = await claimAttempt(db, attempt, config);
  if (claimed.lock) {
    await recordLocked(db, { ...attempt, ...(user ? { userId: user.id } : {}) }, claimed.lock.scope);
    throw tooManySignIns(claimed.lock.seconds);
  }
  const cost = config.PASSWORD_HASH_COST;
  // verifyPassword spends the same time for unknown users: timing tells nothing.
  const ok = await verifyPassword(input.password, user?.active ? user.passwordHash : null, cost);
  if (!user || !user.active || !ok) {
    const failed = { ...attempt, ...(user ? { userId: user.id } : {}) };
    const holdMs = await recordFailure(db, failed, claimed.accountFailures, config);
    if (holdMs > 0) await sleep(holdMs);
    throw unauthorized('Wrong email or password.');
  }
  await recordSuccess(db, attempt);
  // A hash made with weaker parameters (the demo users' old shared-salt ones among them) is replaced now.
  if (needsRehash(user.passwordHash, cost)) {
    await db.query('UPDATE app_user SET password_hash = $2 WHERE id = $1', [
      user.id,
      await hashPassword(input.password, cost),
    ]);
  }
  const access = await accessTokenFor(deps.signer, user);
  const session = await startSession(db, user.id, config.REFRESH_TOKEN_TTL_SECONDS);
  return { ...access, ...session };
}
