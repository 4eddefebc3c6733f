import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { hashPassword, type ScryptCost } from '../auth/passwords.js';
import { badRequest, conflict } from '#platform/http/problem.js';
import type { Work, Written } from '#platform/http/write.js';
import type { Bus } from '#platform/messaging/bus.js';
import { PLATFORM_ORGANIZATION_ID, SendSignUpAttempted, SendSignUpLink } from '#contracts/common.js';
import { registerOrganization, registerUser } from './registration.js';
import { insertSignUpRequest, useSignUpLink } from './sign-up-store.js';
import { userByEmail } from './store.js';

export interface SignUpInput {
  name: string;
  companyName: string;
  /** IANA zone the organization keeps time in (announced in OrganizationRegistered). */
  timeZone?: string | undefined;
  admin: { email: string; name: string; password: string };
}

export interface SignUpSettings {
  /** The link mailed is `<linkUrl>?token=<token>` (the console's verify page). */
  linkUrl: string;
  tokenTtlSeconds: number;
  cost: ScryptCost;
}

export const SIGN_UP_ACCEPTED = { status: 'verification-sent' } as const;

const tokenHashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/** The password's hash, made before the transaction: it is the slow part, and the same for both answers. */
export const hashSignUpPassword = (input: SignUpInput, settings: SignUpSettings) =>
  hashPassword(input.admin.password, settings.cost);

/**
 * A sign-up request (public). The answer is the same whether or not the address has an account,
 * and so is the work: a password hashed, a request row, a mail asked of Notification. A new
 * address gets the one-time link (only its hash is kept); the owner of a known address gets a
 * notice that someone tried it instead, and nothing is created.
 */
export function requestSignUp(input: SignUpInput, passwordHash: string, settings: SignUpSettings) {
  return async ({ tx, send }: Work): Promise<Written<typeof SIGN_UP_ACCEPTED>> => {
    const owner = await userByEmail(tx, input.admin.email);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + settings.tokenTtlSeconds * 1000);
    await insertSignUpRequest(tx, {
      id: randomUUID(),
      tokenHash: tokenHashOf(token),
      outcome: owner ? 'owner-notified' : 'link-sent',
      email: input.admin.email,
      adminName: input.admin.name,
      passwordHash,
      organizationName: input.name,
      companyName: input.companyName,
      timeZone: input.timeZone ?? null,
      expiresAt,
    });
    const platform = { organizationId: PLATFORM_ORGANIZATION_ID, companyId: null };
    if (owner) {
      await send(
        SendSignUpAttempted,
        { email: owner.email, name: owner.name, attemptedAt: new Date().toISOString() },
        platform,
      );
    } else {
      const link = new URL(settings.linkUrl);
      link.searchParams.set('token', token);
      await send(
        SendSignUpLink,
        {
          email: input.admin.email,
          name: input.admin.name,
          organizationName: input.name,
          link: link.toString(),
          expiresAt: expiresAt.toISOString(),
        },
        platform,
      );
    }
    return { status: 202, body: SIGN_UP_ACCEPTED };
  };
}

/**
 * The mailed link, used: the organization, its first company and its admin are created and
 * announced (OrganizationRegistered, UserCreated), once. A used, expired or unknown token creates
 * nothing and gets the same 400, whichever it was.
 */
export function verifySignUp(bus: Bus, token: string) {
  return async ({
    tx,
  }: Work): Promise<Written<{ organizationId: string; companyId: string; userId: string }>> => {
    const organizationId = randomUUID();
    const request = await useSignUpLink(tx, tokenHashOf(token), organizationId);
    if (!request)
      throw badRequest('This sign-up link is not valid: it was used already, has expired, or never existed.');
    const companyId = randomUUID();
    const userId = randomUUID();
    await registerOrganization(tx, bus, {
      id: organizationId,
      name: request.organizationName,
      companies: [{ id: companyId, name: request.companyName }],
      ...(request.timeZone ? { timeZone: request.timeZone } : {}),
    });
    const added = await registerUser(tx, bus, organizationId, [companyId], {
      id: userId,
      email: request.email,
      name: request.adminName,
      roles: ['admin'],
      passwordHash: request.passwordHash,
    });
    // The address got an account after this link was mailed (another link used first).
    if (!added) throw conflict('This address has an account now: sign in instead.');
    return {
      status: 201,
      body: { organizationId, companyId, userId },
      activity: { action: 'organization.signed-up', detail: { organizationId, userId } },
    };
  };
}
