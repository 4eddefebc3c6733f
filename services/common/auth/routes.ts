import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { jwksDocument, type SigningKeys } from '#platform/auth/keys.js';
import { needsRehash, verifyPassword, hashPassword } from '#platform/auth/passwords.js';
import type { ServiceTokenIssuer } from '#platform/auth/service-tokens.js';
import type { TokenSigner } from '#platform/auth/signer.js';
import type { Db } from '#platform/data/db.js';
import { unauthorized } from '#platform/http/problem.js';
import { userByEmail } from '../organizations/store.js';
import { permissionsFor } from './roles.js';

const tokenSchema = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int(),
});

export interface AuthRouteDeps {
  db: Db;
  keys: SigningKeys;
  signer: TokenSigner;
  serviceTokens: ServiceTokenIssuer;
}

/** Login (email + password -> access token), the public keys, and client-credentials tokens for services. */
export function authRoutes(app: FastifyInstance, deps: AuthRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db, signer } = deps;

  r.post(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in: email and password give an access token',
        body: z.object({ email: z.string().trim().min(3).max(320), password: z.string().min(1).max(1024) }),
        response: { 200: tokenSchema },
      },
      config: { public: true },
    },
    async (request) => {
      const user = await userByEmail(db, request.body.email);
      // verifyPassword spends the same time for unknown users: timing tells nothing.
      const ok = await verifyPassword(request.body.password, user?.active ? user.passwordHash : null);
      if (!user || !user.active || !ok) throw unauthorized('Wrong email or password.');
      if (needsRehash(user.passwordHash)) {
        await db.query('UPDATE app_user SET password_hash = $2 WHERE id = $1', [
          user.id,
          await hashPassword(request.body.password),
        ]);
      }
      return signer.sign({
        subject: user.id,
        organizationId: user.organizationId,
        companies: user.companies,
        roles: user.roles,
        permissions: permissionsFor(user.roles),
        kind: 'user',
        customerId: user.customerId ?? null,
      });
    },
  );

  r.get(
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

  r.post(
    '/api/auth/token',
    {
      schema: {
        tags: ['auth'],
        summary: 'Client credentials: a service’s token for one organization',
        body: z.object({
          grantType: z.literal('client_credentials'),
          clientId: z.string().min(1).max(100),
          clientSecret: z.string().min(1).max(500),
          organizationId: z.uuid(),
        }),
        response: { 200: tokenSchema },
      },
      config: { public: true },
    },
    async (request) => {
      const { clientId, clientSecret, organizationId } = request.body;
      return deps.serviceTokens.issue({ clientId, clientSecret, organizationId });
    },
  );
}
