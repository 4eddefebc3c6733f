import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ensureSigningKeys, jwksDocument } from '#services/common/auth/keys.js';
import { memorySigningKeyStore } from '../../support/signing-keys.js';
import { createTokenSigner } from '#services/common/auth/signer.js';
import { createTokenVerifier } from '#platform/auth/verifier.js';
import { createHttpApp, registerHealth, type HttpApp } from '#platform/http/app.js';
import { decodeCursor, pageQuery, pageSchema, toPage } from '#platform/http/pagination.js';
import { notFound } from '#platform/http/problem.js';
import { createLogger } from '#platform/observability/logger.js';
import { fuzzRoutes } from '../../support/http/fuzz-routes.js';
import { uniqueService } from './observe.js';

const silent = createLogger('fuzz', 'silent');
let token: string;
let verifier: ReturnType<typeof createTokenVerifier>;

beforeAll(async () => {
  const keys = await ensureSigningKeys(memorySigningKeyStore());
  const signer = createTokenSigner({ keys, issuer: 'iss', audience: 'aud' });
  token = (
    await signer.sign({
      subject: 'fuzzer',
      organizationId: 'org',
      permissions: ['customers:read', 'customers:write'],
    })
  ).accessToken;
  verifier = createTokenVerifier({ issuer: 'iss', audience: 'aud', keys: { jwks: jwksDocument(keys) } });
});

describe('fuzzRoutes', () => {
  let app: HttpApp;
  let writes = 0;

  afterAll(() => app?.close());

  it('finds no server error on a small app, and the random requests write nothing', async () => {
    app = createHttpApp({
      service: uniqueService('fuzz'),
      log: silent,
      auth: { verifier },
      bodyLimit: 64 * 1024,
    });
    registerHealth(app, { ready: async () => ({ database: true }) });
    const customer = z.object({ id: z.uuid(), name: z.string(), email: z.email() });
    app.get(
      '/api/customers',
      {
        config: { permission: 'customers:read' },
        schema: { querystring: pageQuery(10), response: { 200: pageSchema(customer) } },
      },
      async (req) => {
        const after = decodeCursor(req.query.cursor, z.object({ id: z.uuid() }));
        void after;
        return toPage([], req.query.limit, (c: z.infer<typeof customer>) => ({ id: c.id }));
      },
    );
    app.get(
      '/api/customers/:id',
      { config: { permission: 'customers:read' }, schema: { params: z.object({ id: z.uuid() }) } },
      async () => {
        throw notFound('No such customer.');
      },
    );
    app.post(
      '/api/customers',
      {
        config: { permission: 'customers:write' },
        schema: {
          body: z.object({ name: z.string().min(1).max(200), email: z.email() }).strict(),
          headers: z.object({ 'x-company-id': z.uuid().optional() }),
        },
      },
      async (_req, reply) => {
        writes++;
        return reply.code(201).send({ ok: true });
      },
    );
    app.post(
      '/api/customers/:id/update-balance',
      {
        config: { permission: 'customers:write' },
        schema: {
          params: z.object({ id: z.uuid() }),
          body: z.object({ amountDelta: z.string().regex(/^-?\d{1,12}(\.\d{1,2})?$/) }),
        },
      },
      async () => {
        writes++;
        return { ok: true };
      },
    );

    const report = await fuzzRoutes(app, { token, runs: 60, seed: 42 });
    expect(report.routes).toBeGreaterThanOrEqual(8);
    expect(report.requests).toBe(report.routes * 60);
    expect(Object.keys(report.statuses).every((s) => Number(s) < 500)).toBe(true);
    expect(Object.keys(report.statuses).map(Number)).toEqual(expect.arrayContaining([400, 401, 404]));
    expect(writes).toBe(0);
  });

  it('reports a route that answers a careless request with a 500', async () => {
    const buggy = createHttpApp({ service: uniqueService('fuzz'), log: silent, auth: false });
    buggy.get('/api/report', { config: { public: true } }, async (req) => {
      const q = req.query as Record<string, string | undefined>;
      return { length: q.limit!.length };
    });
    try {
      await expect(fuzzRoutes(buggy, { runs: 30, seed: 1 })).rejects.toThrow(
        /unacceptable status: GET \/api\/report -> 500/,
      );
    } finally {
      await buggy.close();
    }
  });
});
