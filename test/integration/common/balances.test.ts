import { clientSecretOf } from '#platform/host/service-credentials.js';
import type { ServiceName } from '#contracts/services.js';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf } from '../../support/api.js';
import { dbOf, startTestSystem, type TestSystem } from '../../support/system.js';

/**
 * What moves a customer's balance in Common: a service's update-balance (once per reference, a
 * system reference only from its owner), never a user's; a person's way is the adjusting journal.
 */
describe('balances in Common (embedded)', () => {
  let system: TestSystem;
  let api: ReturnType<typeof apiOf>;
  let admin: string;

  beforeAll(async () => {
    system = await startTestSystem({ mode: 'embedded', only: ['common'] });
    api = apiOf(system);
    admin = await system.login('admin@demo.dhanman.local');
  });
  afterAll(async () => system?.stop());

  /** A service token for the demo organization, as `clientId` gets it (client credentials). */
  const serviceToken = async (clientId: string) => {
    const res = await api('common', 'POST', '/api/auth/token', {
      body: {
        grantType: 'client_credentials',
        clientId,
        clientSecret: clientSecretOf(clientId as ServiceName, system.env),
        organizationId: '0b6f1d1e-8f3a-4c56-9a21-5d0c7e1a0001',
      },
    });
    expect(res.status).toBe(200);
    return res.body.accessToken as string;
  };

  it('moves a balance once per Idempotency-Key for a service, and validates the amount', async () => {
    const sales = await serviceToken('sales');
    const created = await api('common', 'POST', '/api/customers', {
      token: admin,
      body: { name: 'Balance Test', email: `b-${randomUUID().slice(0, 6)}@example.org` },
    });
    const id = created.body.id as string;
    const move = (key: string, amountDelta: unknown, token = sales, reference?: string) =>
      api('common', 'POST', `/api/customers/${id}/update-balance`, {
        token,
        body: { amountDelta, ...(reference ? { reference } : {}) },
        headers: { 'idempotency-key': key },
      });
    expect((await move('k1', '100.10')).body).toMatchObject({ balance: '100.10', applied: true });
    expect((await move('k1', '100.10')).body).toMatchObject({ balance: '100.10' });
    expect((await move('k2', -0.1)).body).toMatchObject({ balance: '100.00', applied: true });
    expect((await move('k3', '1.001')).status).toBe(400);
    expect((await move('k4', 0)).status).toBe(422);
    expect((await api('common', 'GET', `/api/customers/${id}/balance`, { token: admin })).body).toEqual({
      customerId: id,
      balance: '100.00',
    });
    const missing = await api('common', 'POST', `/api/customers/${randomUUID()}/update-balance`, {
      token: sales,
      body: { amountDelta: '1' },
      headers: { 'idempotency-key': 'k5' },
    });
    expect(missing.status).toBe(404);
  });

  it('refuses a balance move by a user, and system references from any service but their owner', async () => {
    const customer = '3e209c74-5d31-4f2c-a083-000000000001';
    const before = (await api('common', 'GET', `/api/customers/${customer}/balance`, { token: admin })).body;
    const move = (token: string, reference?: string) =>
      api('common', 'POST', `/api/customers/${customer}/update-balance`, {
        token,
        body: { amountDelta: '-500.00', ...(reference ? { reference } : {}) },
        headers: { 'idempotency-key': randomUUID() },
      });
    const accountant = await system.login('accountant@demo.dhanman.local');
    for (const [who, token] of [
      ['accountant', accountant],
      ['admin', admin],
    ] as const) {
      const refused = await move(token);
      expect(refused.status, who).toBe(403);
      expect(refused.body.detail).toContain('adjusting journal');
      expect((await move(token, `payment:${randomUUID()}`)).status, who).toBe(403);
    }
    // A chosen `payment:<id>` would pre-empt the real payment's movement: only Sales may name one
    // (Community's token lacks customers:write too); Common's own prefixes are nobody's over HTTP.
    const community = await serviceToken('community');
    expect((await move(community, `payment:${randomUUID()}`)).status).toBe(403);
    const sales = await serviceToken('sales');
    expect((await move(sales, `invoice:${randomUUID()}`)).status).toBe(403);
    expect((await move(sales, `Idempotency:${randomUUID()}`)).status).toBe(403);
    expect((await api('common', 'GET', `/api/customers/${customer}/balance`, { token: admin })).body).toEqual(
      before,
    );
  });

  it('posts an adjusting journal that moves the customer’s balance, keeps the trial balance, once per key', async () => {
    const accountant = await system.login('accountant@demo.dhanman.local');
    const created = await api('common', 'POST', '/api/customers', {
      token: admin,
      body: { name: 'Adjusted Resident', email: `adj-${randomUUID().slice(0, 6)}@example.org` },
    });
    const customerId: string = created.body.id;
    const journals = async () =>
      Number(
        (await dbOf(system, 'common').query<{ n: string }>('SELECT count(*) AS n FROM journal')).rows[0]!.n,
      );
    const adjust = (body: unknown, key: string = randomUUID(), token = accountant) =>
      api('common', 'POST', '/api/ledger/journals', { token, body, headers: { 'idempotency-key': key } });
    const waiver = {
      date: '2031-01-15',
      reason: 'Late fee charged by hand',
      lines: [
        { accountCode: '1200', customerId, debit: '250.00', credit: '0' },
        { accountCode: '4000', debit: '0', credit: '250.00' },
      ],
    };

    const key = randomUUID();
    const posted = await adjust(waiver, key);
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    expect(posted.body.balances).toEqual([{ customerId, balance: '250.00' }]);
    const again = await adjust(waiver, key);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(posted.body.id);
    const customer = await api('common', 'GET', `/api/customers/${customerId}`, { token: admin });
    expect(customer.body.balance).toBe('250.00');
    const byReference = await api(
      'common',
      'GET',
      `/api/ledger/journals?referenceId=${posted.body.referenceId}`,
      {
        token: admin,
      },
    );
    expect(byReference.body.items).toHaveLength(1);
    expect(byReference.body.items[0]).toMatchObject({
      referenceType: 'adjustment',
      description: expect.stringContaining('Late fee'),
    });
    const trial = await api('common', 'GET', '/api/ledger/trial-balance', { token: admin });
    expect(trial.body.balanced).toBe(true);
    expect(trial.body.totalDebit).toBe(trial.body.totalCredit);

    // Refused, and nothing written: unbalanced, an unknown account, a customer on a non-receivable
    // line, another organization's customer; a role without ledger:adjust.
    const stranger = randomUUID();
    const other = { org: randomUUID(), company: randomUUID() };
    await dbOf(system, 'common').query(
      `WITH o AS (INSERT INTO organization (id, name) VALUES ($1, 'Elsewhere Society') RETURNING id),
            c AS (INSERT INTO company (id, organization_id, name) SELECT $2, id, 'Elsewhere' FROM o RETURNING id, organization_id)
       INSERT INTO customer (id, organization_id, company_id, name, email)
       SELECT $3, organization_id, id, 'Not Yours', 'not-yours@example.org' FROM c`,
      [other.org, other.company, stranger],
    );
    const count = await journals();
    const withLines = (lines: unknown[]) => ({ ...waiver, lines });
    const refusals = [
      withLines([waiver.lines[0], { accountCode: '4000', debit: '0', credit: '249.99' }]),
      withLines([waiver.lines[0], { accountCode: '9999', debit: '0', credit: '250.00' }]),
      withLines([waiver.lines[0], { accountCode: '4000', customerId, debit: '0', credit: '250.00' }]),
      withLines([{ ...waiver.lines[0], customerId: stranger }, waiver.lines[1]]),
      withLines([waiver.lines[0], { accountCode: '4000', debit: '-250.00', credit: '0' }]),
    ];
    for (const body of refusals) {
      const res = await adjust(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await adjust({ ...waiver, reason: '' })).status).toBe(400);
    const manager = await system.login('manager@demo.dhanman.local');
    expect((await adjust(waiver, randomUUID(), manager)).status).toBe(403);
    expect(await journals()).toBe(count);
    expect((await api('common', 'GET', `/api/customers/${customerId}`, { token: admin })).body.balance).toBe(
      '250.00',
    );
  });
});
