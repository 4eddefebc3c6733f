import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { hashPassword } from '../auth/passwords.js';
import { isTimeZone } from '#platform/jobs/next-run.js';
import type { Db } from '#platform/data/db.js';
import type { HttpApp } from '#platform/http/app.js';
import { principalOf } from '#platform/http/authentication.js';
import { notFound } from '#platform/http/problem.js';
import { runWrite } from '#platform/http/write.js';
import type { Bus } from '#platform/messaging/bus.js';
import { PERMISSIONS, ROLES } from '#contracts/permissions.js';
import { addUser } from './add-user.js';
import { loadSignUpSettings } from './config.js';
import { hashSignUpPassword, requestSignUp, verifySignUp } from './sign-up.js';
import { companiesOf, userById } from './store.js';

const password = z.string().min(8, 'at least 8 characters').max(1024);
const userView = z.object({
  id: z.uuid(),
  organizationId: z.uuid(),
  email: z.string(),
  name: z.string(),
  roles: z.array(z.string()),
  companies: z.array(z.uuid()),
});

/**
 * Sign-up of a new organization (with its first company and admin, once the mailed link is used)
 * and user management inside an organization. Sign-up is public: a society registers itself.
 */
export function organizationRoutes(
  app: HttpApp,
  deps: { db: Db; bus: Bus; env: Record<string, string | undefined> },
): void {
  const { db, bus } = deps;

  const settings = loadSignUpSettings(deps.env);
  app.post(
    '/api/organizations',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Sign up an organization: mails its admin a link that creates it',
        description:
          'Public. Always 202 `{status: "verification-sent"}`, whether or not the address has an account: a new address gets a one-time link (valid SIGN_UP_LINK_TTL_SECONDS, 24 h by default) to `POST /api/organizations/verify`; the owner of a known address gets a mail that someone tried it. Nothing is created until the link is used.',
        body: z.object({
          name: z.string().trim().min(1).max(200),
          companyName: z.string().trim().min(1).max(200),
          timeZone: z
            .string()
            .max(64)
            .refine(isTimeZone, 'expected an IANA time zone such as Asia/Kolkata')
            .optional(),
          admin: z.object({ email: z.email().max(320), name: z.string().trim().min(1).max(200), password }),
        }),
        response: { 202: z.object({ status: z.literal('verification-sent') }) },
      },
      config: { public: true },
    },
    async (request, reply) => {
      const passwordHash = await hashSignUpPassword(request.body, settings);
      const { body } = await runWrite(deps, request, requestSignUp(request.body, passwordHash, settings));
      return reply.code(202).send(body);
    },
  );

  app.post(
    '/api/organizations/verify',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Use a mailed sign-up link: creates the organization, its first company and admin',
        description:
          'Public. Works once per link: a used, expired or unknown token answers 400 and creates nothing.',
        body: z.object({
          token: z.string().regex(/^[\w-]{20,200}$/, 'expected the token from the mailed link'),
        }),
        response: { 201: z.object({ organizationId: z.uuid(), companyId: z.uuid(), userId: z.uuid() }) },
      },
      config: { public: true },
    },
    async (request, reply) => {
      const { body } = await runWrite(deps, request, verifySignUp(bus, request.body.token));
      return reply.code(201).send(body);
    },
  );

  app.post(
    '/api/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Add a user to your organization',
        body: z.object({
          email: z.email().max(320),
          name: z.string().trim().min(1).max(200),
          roles: z.array(z.enum(ROLES)).min(1),
          password,
          companies: z.array(z.uuid()).optional(),
        }),
        response: { 201: userView },
      },
      config: { permission: PERMISSIONS.usersWrite, idempotency: 'optional' },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const own = (await companiesOf(db, principal.organizationId)).map((c) => c.id);
      const companies = request.body.companies ?? own;
      const foreign = companies.filter((c) => !own.includes(c));
      if (foreign.length > 0) throw notFound(`company ${foreign[0]} does not exist`);
      const passwordHash = await hashPassword(request.body.password, settings.cost);
      const { email, name, roles } = request.body;
      const add = addUser(bus, principal.organizationId, companies, {
        id: randomUUID(),
        email,
        name,
        roles,
        passwordHash,
      });
      const { body: view } = await runWrite(deps, request, add);
      return reply.code(201).send(view);
    },
  );

  app.get(
    '/api/users/:id',
    {
      schema: {
        tags: ['users'],
        summary: 'A user of your organization',
        params: z.object({ id: z.uuid() }),
        response: { 200: userView },
      },
      config: { permission: PERMISSIONS.usersRead },
    },
    async (request) => {
      const u = await userById(db, principalOf(request).organizationId, request.params.id);
      if (!u) throw notFound(`user ${request.params.id} does not exist`);
      return {
        id: u.id,
        organizationId: u.organizationId,
        email: u.email,
        name: u.name,
        roles: u.roles,
        companies: u.companies,
      };
    },
  );
}
