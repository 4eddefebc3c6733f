import { z } from 'zod';
import type { HttpApp } from '#platform/http/app.js';
import { jwksDocument, type SigningKeys } from './keys.js';
import type { ServiceTokenIssuer } from './service-token-issuer.js';
import type { TokenSigner } from './signer.js';
import type { Db } from '#platform/data/db.js';
import { principalOf } from '#platform/http/authentication.js';
import { notFound } from '#platform/http/problem.js';
import { PERMISSIONS } from '#contracts/permissions.js';
import { userById } from '../organizations/store.js';
import type { AuthConfig } from './config.js';
import { refreshSession } from './refresh.js';
import { endSession, revokeUserSessions } from './sessions.js';
import { signIn } from './sign-in.js';

const tokenSchema = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int(),
});

const sessionSchema = tokenSchema.extend({
  refreshToken: z.string().describe('Use once at POST /api/auth/refresh; each use returns the next one'),
  refreshExpiresIn: z.number().int().describe('Seconds until the session ends (sign in again then)'),
});

const refreshBody = z.object({ refreshToken: z.string().min(10).max(200) });

const tooMany = 'Too many attempts: 429 problem with Retry-After';

export interface AuthRouteDeps {
  db: Db;
  keys: SigningKeys;
  signer: TokenSigner;
  serviceTokens: ServiceTokenIssuer;
  config: AuthConfig;
}

/**
 * Sign-in (email + password -> access and refresh token), refresh with rotation, sign-out, an
 * admin's revocation of a user's sessions, the public keys, and client-credentials tokens for
 * services.
 */
export function authRoutes(app: HttpApp, deps: AuthRouteDeps): void {
  const { db } = deps;

  app.post(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in: email and password give an access token and a refresh token',
        description: `Failed sign-ins are throttled per account and per client address. ${tooMany}; the answer never tells whether the email belongs to an account.`,
        body: z.object({ email: z.string().trim().min(3).max(320), password: z.string().min(1).max(1024) }),
        response: { 200: sessionSchema },
      },
      config: { public: true, rateClass: 'sign-in' },
    },
    async (request) => signIn(deps, { ...request.body, address: request.ip }),
  );

  app.post(
    '/api/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'A refresh token (used up) gives a new access token and the next refresh token',
        description:
          'A refresh token works once. Presenting a used one revokes its whole session; revoked, expired or unknown tokens answer 401.',
        body: refreshBody,
        response: { 200: sessionSchema },
      },
      config: { public: true, rateClass: 'sign-in' },
    },
    async (request) => refreshSession(deps, request.body.refreshToken),
  );

  app.post(
    '/api/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign out: ends the session the refresh token belongs to',
        description:
          'Answers 204 whether or not the token was known. Access tokens already issued run out on their own (ACCESS_TOKEN_TTL_SECONDS).',
        body: refreshBody,
        response: { 204: z.null().describe('Signed out') },
      },
      config: { public: true, rateClass: 'sign-in' },
    },
    async (request, reply) => {
      await endSession(db, request.body.refreshToken);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/users/:id/sessions/revoke',
    {
      schema: {
        tags: ['auth'],
        summary: 'End every session of a user of the caller’s organization',
        params: z.object({ id: z.uuid() }),
        response: { 200: z.object({ revokedSessions: z.number().int() }) },
      },
      config: { permission: PERMISSIONS.usersWrite },
    },
    async (request) => {
      const principal = principalOf(request);
      const user = await userById(db, principal.organizationId, request.params.id);
      if (!user) throw notFound('No such user in your organization.');
      return { revokedSessions: await revokeUserSessions(db, user.id, `revoked by ${principal.subject}`) };
    },
  );

  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['auth'],
        summary: 'Public keys that verify Common’s tokens',
        response: { 200: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }) },
      },
      config: { public: true },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return jwksDocument(deps.keys);
    },
  );

  app.post(
    '/api/auth/token',
    {
      schema: {
        tags: ['auth'],
        summary: 'Client credentials: a service’s token for one organization',
        description:
          'Each service has a secret of its own. `permissions` narrows the token to some of what the client holds; asking for more answers 403.',
        body: z.object({
          grantType: z.literal('client_credentials'),
          clientId: z.string().min(1).max(100),
          clientSecret: z.string().min(1).max(500),
          organizationId: z.uuid(),
          permissions: z
            .array(z.string().regex(/^[a-z-]+:[a-z-]+$/, 'expected resource:action'))
            .min(1)
            .max(50)
            .optional(),
        }),
        response: { 200: tokenSchema },
      },
      config: { public: true, rateClass: 'service-tokens' },
    },
    async (request) => {
      const { clientId, clientSecret, organizationId, permissions } = request.body;
      return deps.serviceTokens.issue({
        clientId,
        clientSecret,
        organizationId,
        ...(permissions ? { permissions } : {}),
      });
    },
  );
}
