import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ensureSigningKeys, jwksDocument, type SigningKeys } from '#services/common/auth/keys.js';
import { memorySigningKeyStore } from '../../support/signing-keys.js';
import { hashPassword, verifyPassword, type ScryptCost } from '#services/common/auth/passwords.js';
import { clientCredentialsTokens } from '#platform/auth/service-tokens.js';
import { createServiceTokenIssuer } from '#services/common/auth/service-token-issuer.js';
import { createTokenSigner, type TokenSigner } from '#services/common/auth/signer.js';
import { createTokenVerifier } from '#platform/auth/verifier.js';
import { createHttpApp, type HttpApp } from '#platform/http/app.js';
import { principalOf } from '#platform/http/authentication.js';
import { createHttpClient } from '#platform/http/client.js';
import { DependencyUnavailableError, PROBLEM_TYPES, unauthorized } from '#platform/http/problem.js';
import { currentContext } from '#platform/observability/context.js';
import { createLogger } from '#platform/observability/logger.js';
import { listen, uniqueService } from '../http/observe.js';

const ISSUER = 'https://common.dhanman.test';
const AUDIENCE = 'dhanman';
const COST: ScryptCost = { logN: 10, r: 8, p: 1 };
const silent = createLogger('test', 'silent');
const ORG = '7f0c5d0e-0000-4000-8000-000000000001';

/**
 * Common's side, as the lead builds it from these pieces: keys kept through a store, JWKS,
 * a login route (email + password -> access token) and the client-credentials token endpoint.
 */
async function startIssuer(): Promise<{
  app: HttpApp;
  url: string;
  keys: SigningKeys;
  signer: TokenSigner;
  jwksHits: () => number;
}> {
  const keys = await ensureSigningKeys(memorySigningKeyStore());
  const signer = createTokenSigner({ keys, issuer: ISSUER, audience: AUDIENCE });
  const users = new Map([
    [
      'accountant@demo.dhanman.local',
      { id: 'user-1', organizationId: ORG, passwordHash: await hashPassword('right horse battery', COST) },
    ],
  ]);
  const serviceTokens = createServiceTokenIssuer({
    signer,
    clients: [{ clientId: 'sales', secret: 'sales-secret-0123456789', permissions: ['customers:read'] }],
  });
  let hits = 0;
  const app = createHttpApp({ service: uniqueService('common'), log: silent, auth: false });
  app.get('/.well-known/jwks.json', { config: { public: true } }, async () => {
    hits++;
    return jwksDocument(keys);
  });
  app.post(
    '/api/auth/login',
    {
      config: { public: true },
      schema: {
        body: z.object({ email: z.email(), password: z.string().min(1).max(1024) }),
        response: { 200: z.object({ accessToken: z.string() }) },
      },
    },
    async (req) => {
      const user = users.get(req.body.email.toLowerCase());
      const ok = await verifyPassword(req.body.password, user?.passwordHash, COST);
      if (!user || !ok) throw unauthorized('Wrong email or password.');
      const { accessToken } = await signer.sign({
        subject: user.id,
        organizationId: user.organizationId,
        companies: ['company-1'],
        roles: ['accountant'],
        permissions: ['customers:read', 'ledger:read'],
      });
      return { accessToken };
    },
  );
  app.post(
    '/api/auth/token',
    {
      config: { public: true },
      schema: {
        body: z.object({
          grantType: z.literal('client_credentials'),
          clientId: z.string().min(1).max(100),
          clientSecret: z.string().min(1).max(500),
          organizationId: z.string().min(1).max(100),
        }),
      },
    },
    async (req) => serviceTokens.issue(req.body),
  );
  const url = await listen(app);
  return { app, url, keys, signer, jwksHits: () => hits };
}

let issuer: Awaited<ReturnType<typeof startIssuer>>;
let service: HttpApp;
let serviceUrl: string;

/** A service app verifying tokens of the test issuer against the key set at `jwksUrl`. */
const serviceApp = (jwksUrl: string) =>
  createHttpApp({
    service: uniqueService('sales'),
    log: silent,
    auth: { verifier: createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: { jwksUrl } }) },
  });

beforeAll(async () => {
  issuer = await startIssuer();
  service = serviceApp(`${issuer.url}/.well-known/jwks.json`);
  service.get('/api/customers/:id', { config: { permission: 'customers:read' } }, async (req) => ({
    principal: principalOf(req),
    contextOrganization: currentContext()?.organizationId,
  }));
  service.post('/api/invoices', { config: { permission: 'invoices:write' } }, async () => ({
    created: true,
  }));
  service.get('/api/ping', { config: { public: true } }, async () => ({ pong: true }));
  serviceUrl = await listen(service);
});

afterAll(async () => {
  await service?.close();
  await issuer?.app.close();
});

async function login(email: string, password: string): Promise<Response> {
  return fetch(`${issuer.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
}

async function accessToken(): Promise<string> {
  const res = await login('accountant@demo.dhanman.local', 'right horse battery');
  expect(res.status).toBe(200);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

const call = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(`${serviceUrl}${path}`, { method, headers });

async function expectProblem(res: Response, status: number, type: string): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, type });
  return body;
}

/** A token signed by a key the issuer never published. */
let foreignKeys: Promise<SigningKeys> | undefined;
async function foreignToken(claims: Record<string, unknown>, kid?: string): Promise<string> {
  const other = await (foreignKeys ??= ensureSigningKeys(memorySigningKeyStore()));
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: kid ?? other.active.kid })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(other.active.privateKey);
}

describe('authentication and authorization', () => {
  it('login checks the password and issues a token that another service verifies against the JWKS over HTTP', async () => {
    expect((await login('accountant@demo.dhanman.local', 'wrong')).status).toBe(401);
    expect((await login('nobody@demo.dhanman.local', 'right horse battery')).status).toBe(401);
    const token = await accessToken();

    const res = await call('/api/customers/1', { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      principal: {
        kind: 'user',
        subject: 'user-1',
        organizationId: ORG,
        companies: ['company-1'],
        roles: ['accountant'],
        permissions: ['customers:read', 'ledger:read'],
      },
      contextOrganization: ORG,
    });
    const hitsAfterFirst = issuer.jwksHits();
    expect(hitsAfterFirst).toBeGreaterThanOrEqual(1);
    await call('/api/customers/2', { authorization: `Bearer ${token}` });
    expect(issuer.jwksHits()).toBe(hitsAfterFirst);
  });

  it('answers 401 without a token or with a malformed Authorization header', async () => {
    const body = await expectProblem(await call('/api/customers/1'), 401, PROBLEM_TYPES.unauthorized);
    expect(body.correlationId).toEqual(expect.any(String));
    const res = await call('/api/customers/1', { authorization: 'Basic dXNlcjpwYXNz' });
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    await expectProblem(res, 401, PROBLEM_TYPES.unauthorized);
    await expectProblem(
      await call('/api/customers/1', { authorization: 'Bearer not.a.jwt' }),
      401,
      PROBLEM_TYPES.unauthorized,
    );
  });

  it('answers 401 for a forged signature, even under a published key id', async () => {
    const genuine = await accessToken();
    const kid = JSON.parse(Buffer.from(genuine.split('.')[0]!, 'base64url').toString()).kid as string;
    const claims = { sub: 'mallory', org: ORG, permissions: ['customers:read'] };
    await expectProblem(
      await call('/api/customers/1', { authorization: `Bearer ${await foreignToken(claims, kid)}` }),
      401,
      PROBLEM_TYPES.unauthorized,
    );
    await expectProblem(
      await call('/api/customers/1', { authorization: `Bearer ${await foreignToken(claims)}` }),
      401,
      PROBLEM_TYPES.unauthorized,
    );
    const [h, p, s] = genuine.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const tampered = Buffer.from(JSON.stringify({ ...payload, org: 'another-org' })).toString('base64url');
    await expectProblem(
      await call('/api/customers/1', { authorization: `Bearer ${h}.${tampered}.${s}` }),
      401,
      PROBLEM_TYPES.unauthorized,
    );
  });

  it('answers 401 for an unsigned (alg none) token', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({
        sub: 'x',
        org: ORG,
        permissions: ['customers:read'],
        iss: ISSUER,
        aud: AUDIENCE,
        exp: 9e9,
      }),
    ).toString('base64url');
    await expectProblem(
      await call('/api/customers/1', { authorization: `Bearer ${header}.${payload}.` }),
      401,
      PROBLEM_TYPES.unauthorized,
    );
  });

  it('answers 401 for an expired token and for a wrong audience or issuer', async () => {
    const claims = { subject: 'user-1', organizationId: ORG, permissions: ['customers:read'] };
    const expired = await issuer.signer.sign(claims, { ttlSeconds: -60 });
    const body = await expectProblem(
      await call('/api/customers/1', { authorization: `Bearer ${expired.accessToken}` }),
      401,
      PROBLEM_TYPES.unauthorized,
    );
    expect(body.detail).toMatch(/expired/);

    for (const [iss, aud] of [
      [ISSUER, 'another-api'],
      ['https://evil.example', AUDIENCE],
    ] as const) {
      const other = createTokenSigner({ keys: issuer.keys, issuer: iss, audience: aud });
      const { accessToken: token } = await other.sign(claims);
      await expectProblem(
        await call('/api/customers/1', { authorization: `Bearer ${token}` }),
        401,
        PROBLEM_TYPES.unauthorized,
      );
    }
  });

  it('answers 403 when the token lacks the route permission', async () => {
    const token = await accessToken();
    const body = await expectProblem(
      await call('/api/invoices', { authorization: `Bearer ${token}` }, 'POST'),
      403,
      PROBLEM_TYPES.forbidden,
    );
    expect(body.detail).toContain('invoices:write');
  });

  it('leaves public routes open', async () => {
    expect((await call('/api/ping')).status).toBe(200);
    expect((await call('/health/live')).status).toBe(404); // not registered on this app
    expect((await call('/metrics')).status).toBe(200);
  });

  it('gives services client-credentials tokens for the organization they serve, used by the resilient client', async () => {
    const salesClient = (clientSecret: string) =>
      createHttpClient({
        service: uniqueService('sales'),
        targets: { orders: { baseUrl: serviceUrl } },
        tokens: clientCredentialsTokens({
          tokenUrl: `${issuer.url}/api/auth/token`,
          clientId: 'sales',
          clientSecret,
        }),
        resilience: { retryDelaysMs: [] },
      });
    const client = salesClient('sales-secret-0123456789');
    try {
      const answer = await client.get('orders', '/api/customers/9', { organizationId: ORG });
      expect(answer.status).toBe(200);
      expect((answer.body as { principal: unknown }).principal).toMatchObject({
        kind: 'service',
        subject: 'service:sales',
        organizationId: ORG,
        permissions: ['customers:read'],
      });
      expect((await client.post('orders', '/api/invoices', {}, { organizationId: ORG })).status).toBe(403);
    } finally {
      await client.close();
    }

    const wrong = salesClient('nope');
    try {
      const err = await wrong
        .get('orders', '/api/customers/9', { organizationId: ORG })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DependencyUnavailableError);
      expect((err as DependencyUnavailableError).problem).toMatchObject({
        dependency: 'auth-token',
        upstreamStatus: 401,
      });
    } finally {
      await wrong.close();
    }
  });

  it('answers 503 naming the key source, not 401, when the JWKS cannot be fetched', async () => {
    const app = serviceApp('http://127.0.0.1:1/jwks');
    app.get('/x', { config: { permission: 'customers:read' } }, async () => ({}));
    try {
      const res = await app.inject({
        url: '/x',
        headers: { authorization: `Bearer ${await accessToken()}` },
      });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({
        type: PROBLEM_TYPES.dependencyUnavailable,
        dependency: 'auth-keys',
      });
    } finally {
      await app.close();
    }
  });
});

describe('route access declarations', () => {
  it('refuses to start when a route declares neither a permission nor public', async () => {
    const app = createHttpApp({ service: uniqueService('x'), log: silent, auth: false });
    app.get('/open', { config: { public: true } }, async () => ({}));
    app.get('/forgotten', async () => ({}));
    app.post('/also-forgotten', { config: {} }, async () => ({}));
    await expect(app.ready()).rejects.toThrow(/GET \/forgotten[\s\S]*POST \/also-forgotten/);
  });

  it('refuses a permission on an app without a verifier, and a malformed permission', async () => {
    const noAuth = createHttpApp({ service: uniqueService('x'), log: silent, auth: false });
    noAuth.get('/x', { config: { permission: 'customers:read' } }, async () => ({}));
    await expect(noAuth.ready()).rejects.toThrow(/no token verifier/);

    const verifier = createTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: { jwks: { keys: [] } },
    });
    const bad = createHttpApp({ service: uniqueService('x'), log: silent, auth: { verifier } });
    bad.get('/x', { config: { permission: 'Customers Read' } }, async () => ({}));
    await expect(bad.ready()).rejects.toThrow(/not resource:action/);
  });
});
