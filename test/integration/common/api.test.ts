import { clientSecretOf } from '#platform/host/service-credentials.js';
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../../support/system.js';
import { apiOf } from '../../support/api.js';
import { waitFor } from '../../support/wait.js';
import { restartCommon } from './restart.js';

/** Common's HTTP surface: sign-in, keys, service tokens, customers and balances, statements. */
describe('Common over HTTP (embedded)', () => {
  let system: TestSystem;
  let api: ReturnType<typeof apiOf>;
  let admin: string;

  beforeAll(async () => {
    system = await startTestSystem({ mode: 'embedded', only: ['common', 'sales', 'notification'] });
    api = apiOf(system);
    admin = await system.login('admin@demo.dhanman.local');
  });
  afterAll(async () => system?.stop());

  it('signs in the demo users with their roles’ permissions, and refuses a wrong password', async () => {
    const claims = decodeJwt(await system.login('accountant@demo.dhanman.local'));
    expect(claims).toMatchObject({ org: '0b6f1d1e-8f3a-4c56-9a21-5d0c7e1a0001', roles: ['accountant'] });
    expect(claims.permissions).toEqual(expect.arrayContaining(['invoices:write', 'ledger:read']));
    expect(claims.permissions).not.toContain('users:write');
    const wrong = await api('common', 'POST', '/api/auth/login', {
      body: { email: 'admin@demo.dhanman.local', password: 'not-the-password' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toMatch(/problem\+json/);
    const unknown = await api('common', 'POST', '/api/auth/login', {
      body: { email: 'nobody@demo.dhanman.local', password: 'dhanman-demo' },
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body.detail).toBe(wrong.body.detail);
  });

  it('refuses what a role may not do: a resident cannot issue invoices or read the ledger', async () => {
    const resident = await system.login('resident@demo.dhanman.local');
    const invoice = await api('sales', 'POST', '/api/invoices', {
      token: resident,
      body: { customerId: randomUUID(), amount: '1.00', dueDate: '2031-01-01' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(invoice.status).toBe(403);
    expect((await api('common', 'GET', '/api/ledger/trial-balance', { token: resident })).status).toBe(403);
    expect((await api('common', 'GET', '/api/ledger/trial-balance')).status).toBe(401);
  });

  it('publishes its public keys and issues service tokens only for the right secret', async () => {
    const jwks = await api('common', 'GET', '/.well-known/jwks.json');
    expect(jwks.body.keys.length).toBeGreaterThanOrEqual(1);
    expect(jwks.body.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.body.keys[0].d).toBeUndefined();
    const organizationId = '0b6f1d1e-8f3a-4c56-9a21-5d0c7e1a0001';
    const body = { grantType: 'client_credentials', clientId: 'sales', organizationId };
    const good = await api('common', 'POST', '/api/auth/token', {
      body: { ...body, clientSecret: clientSecretOf('sales', system.env) },
    });
    expect(good.status).toBe(200);
    expect(decodeJwt(good.body.accessToken)).toMatchObject({
      kind: 'service',
      org: organizationId,
      sub: 'service:sales',
    });
    const bad = await api('common', 'POST', '/api/auth/token', {
      body: { ...body, clientSecret: 'guess-guess-guess' },
    });
    expect(bad.status).toBe(401);
    // Each service has its own credential: Notification's cannot ask as Sales.
    const notificationSecret = clientSecretOf('notification', system.env);
    const asSales = await api('common', 'POST', '/api/auth/token', {
      body: { ...body, clientSecret: notificationSecret },
    });
    expect(asSales.status).toBe(401);
    // Nor get a permission it was not granted; Sales may narrow its own token.
    const beyond = await api('common', 'POST', '/api/auth/token', {
      body: {
        ...body,
        clientId: 'notification',
        clientSecret: notificationSecret,
        permissions: ['customers:write'],
      },
    });
    expect(beyond.status).toBe(403);
    expect(beyond.body.detail).toContain('customers:write');
    const narrowed = await api('common', 'POST', '/api/auth/token', {
      body: { ...body, clientSecret: clientSecretOf('sales', system.env), permissions: ['customers:read'] },
    });
    expect(narrowed.status).toBe(200);
    expect(decodeJwt(narrowed.body.accessToken).permissions).toEqual(['customers:read']);
  });

  it('pages through customers with a cursor, in creation order, without repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ id: string }>; nextCursor: string | null } } = await api(
        'common',
        'GET',
        `/api/customers?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: admin },
      );
      seen.push(...page.body.items.map((c) => c.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(['3e209c74-5d31-4f2c-a083-000000000001']));
    expect((await api('common', 'GET', '/api/customers?cursor=not-ours', { token: admin })).status).toBe(400);
  });

  it('lists the newest journals with their lines, paged; a cursor that is not ours is a 400', async () => {
    const ids: string[] = [];
    for (const amount of ['11.00', '12.00', '13.00']) {
      const created = await api('sales', 'POST', '/api/invoices', {
        token: admin,
        body: { customerId: '3e209c74-5d31-4f2c-a083-000000000001', amount, dueDate: '2031-01-01' },
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    type Journal = { id: string; referenceId: string; lines: unknown[] };
    const allPages = async () => {
      const seen: Journal[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: Journal[]; nextCursor: string | null } } = await api(
          'common',
          'GET',
          `/api/ledger/journals?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          { token: admin },
        );
        seen.push(...page.body.items);
        cursor = page.body.nextCursor;
      } while (cursor);
      return seen;
    };
    const journals = await waitFor('the three invoices posted', async () => {
      const seen = await allPages();
      return ids.every((id) => seen.some((j) => j.referenceId === id)) ? seen : undefined;
    });
    expect(new Set(journals.map((j) => j.id)).size).toBe(journals.length);
    expect(journals.find((j) => j.referenceId === ids[0])!.lines).toHaveLength(2);

    const forged = Buffer.from(
      JSON.stringify({ entryDate: '2031-02-30', createdAtMicros: '1', id: randomUUID() }),
    ).toString('base64url');
    for (const query of ['cursor=not-ours', `cursor=${forged}`, 'limit=0', 'referenceId=42']) {
      const res = await api('common', 'GET', `/api/ledger/journals?${query}`, { token: admin });
      expect(res.status, query).toBe(400);
    }
    const resident = await system.login('resident@demo.dhanman.local');
    expect((await api('common', 'GET', '/api/ledger/journals', { token: resident })).status).toBe(403);
  });

  it('tells Notification when a customer’s email changes, so the next mail goes to the new address', async () => {
    const created = await api('common', 'POST', '/api/customers', {
      token: admin,
      body: { name: 'Moving Resident', email: `old-${randomUUID().slice(0, 6)}@example.org` },
    });
    const newEmail = `new-${randomUUID().slice(0, 6)}@example.org`;
    const changed = await api('common', 'PATCH', `/api/customers/${created.body.id}`, {
      token: admin,
      body: { email: newEmail },
    });
    expect(changed.body.email).toBe(newEmail);
    const invoice = await api('sales', 'POST', '/api/invoices', {
      token: admin,
      body: { customerId: created.body.id, amount: '12.00', dueDate: '2031-01-01' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(invoice.status).toBe(201);
    // The replica catches up; an explicit resend then goes to the new address too.
    const resend = await waitFor('the replica to know the new address', async () => {
      const r = await api('sales', 'POST', `/api/invoices/${invoice.body.id}/send-email`, { token: admin });
      const mails = await api('notification', 'GET', `/api/emails?to=${encodeURIComponent(newEmail)}`, {
        token: admin,
      });
      return mails.body.items.length >= 1 ? r : undefined;
    });
    expect(resend.status).toBe(202);
  });

  it('keeps the signing key across a restart of Common (tokens stay valid)', async () => {
    const before = (await api('common', 'GET', '/.well-known/jwks.json')).body.keys.map(
      (k: { kid: string }) => k.kid,
    );
    const token = await system.login('cfo@demo.dhanman.local');
    await restartCommon(system);
    const after = (await api('common', 'GET', '/.well-known/jwks.json')).body.keys.map(
      (k: { kid: string }) => k.kid,
    );
    expect(after).toEqual(before);
    expect((await api('common', 'GET', '/api/ledger/trial-balance', { token })).status).toBe(200);
  });
});
