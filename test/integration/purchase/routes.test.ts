import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS, DEMO_VENDORS } from '#contracts/demo.js';
import { apiOf } from '../../support/api.js';
import { dbOf, startTestSystem, type TestSystem } from '../../support/system.js';

const email = (role: string) => DEMO_USERS.find((u) => u.roles.includes(role as never))!.email;

/** Purchase's own HTTP surface on the embedded default: vendors, the order workflow's guards, bills, bad input. */
describe('purchase routes', () => {
  let system: TestSystem;
  let api: ReturnType<typeof apiOf>;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    system = await startTestSystem({ mode: 'embedded', only: ['common', 'purchase'] });
    api = apiOf(system);
    for (const role of ['admin', 'accountant', 'manager', 'resident'])
      tokens[role] = await system.login(email(role));
  }, 180_000);
  afterAll(() => system?.stop());

  const post = (path: string, role: string, body?: unknown, key: string | null = randomUUID()) =>
    api('purchase', 'POST', path, {
      token: tokens[role],
      body,
      headers: key ? { 'idempotency-key': key } : {},
    });
  const get = (path: string, role = 'accountant') => api('purchase', 'GET', path, { token: tokens[role] });
  const stored = async () => {
    const { rows } = await dbOf(system, 'purchase').query<{ n: string }>(
      `SELECT (SELECT count(*) FROM purchase_order) + (SELECT count(*) FROM purchase_order_line)
            + (SELECT count(*) FROM bill) + (SELECT count(*) FROM vendor)
            + (SELECT coalesce(sum(last_number), 0) FROM document_counter) AS n`,
    );
    return Number(rows[0]!.n);
  };
  const draft = async (role = 'accountant', vendorId: string = DEMO_VENDORS[0].id) => {
    const res = await post('/api/purchase-orders', role, {
      vendorId,
      items: [
        { description: 'Mops', quantity: 3, unitPrice: '0.10' },
        { description: 'Buckets', quantity: 2, unitPrice: 499.95 },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };

  it('refuses callers without a token or the permission', async () => {
    expect((await api('purchase', 'GET', '/api/purchase-orders')).status).toBe(401);
    expect((await get('/api/purchase-orders', 'resident')).status).toBe(403);
    expect((await post('/api/vendors', 'resident', { name: 'Nope' })).status).toBe(403);
    expect(
      (
        await post('/api/bills', 'manager', {
          vendorId: DEMO_VENDORS[0].id,
          amount: 1,
          dueDate: '2031-01-01',
        })
      ).status,
    ).toBe(403);
  });

  it('adds vendors once per name and once per Idempotency-Key, and lists them', async () => {
    const key = randomUUID();
    const name = `Aqua Pumps ${randomUUID().slice(0, 6)}`;
    const first = await post('/api/vendors', 'accountant', { name, email: 'sales@aqua.example' }, key);
    expect(first.status).toBe(201);
    const replay = await post('/api/vendors', 'accountant', { name, email: 'sales@aqua.example' }, key);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect((await post('/api/vendors', 'accountant', { name: name.toUpperCase() })).status).toBe(409);
    expect((await post('/api/vendors', 'accountant', { name: 'No key' }, null)).status).toBe(400);
    const list = await get('/api/vendors?limit=100');
    expect(list.body.items.map((v: { name: string }) => v.name)).toContain(name);
    expect(list.body.items.map((v: { id: string }) => v.id)).toContain(DEMO_VENDORS[0].id);
  });

  it('prices and numbers a draft: amount exact, numbers consecutive, CFO needed only above 50,000', async () => {
    const a = await draft();
    const b = await draft();
    expect(a).toMatchObject({
      status: 'draft',
      amount: '1000.20',
      requiredRoles: ['manager'],
      approvals: [],
    });
    expect(a.items.map((l: { amount: string }) => l.amount)).toEqual(['0.30', '999.90']);
    expect(Number(b.number.slice(-4))).toBe(Number(a.number.slice(-4)) + 1);
    expect(a.requestedByName).toBe('Arjun Accountant');
    const big = await post('/api/purchase-orders', 'accountant', {
      vendorId: DEMO_VENDORS[0].id,
      items: [{ description: 'Lift overhaul', quantity: 1, unitPrice: '50000.01' }],
    });
    expect(big.body.requiredRoles).toEqual(['manager', 'cfo']);
  });

  it('refuses bad input with a 4xx and writes nothing', async () => {
    const vendorId = DEMO_VENDORS[0].id;
    const line = { description: 'Brooms', quantity: 1, unitPrice: '10.00' };
    const cases: Array<[string, unknown, number]> = [
      ['no items', { vendorId, items: [] }, 400],
      ['negative quantity', { vendorId, items: [{ ...line, quantity: -2 }] }, 400],
      ['fractional quantity', { vendorId, items: [{ ...line, quantity: 1.5 }] }, 400],
      ['three decimals', { vendorId, items: [{ ...line, unitPrice: '10.001' }] }, 400],
      ['zero price', { vendorId, items: [{ ...line, unitPrice: '0' }] }, 400],
      ['empty description', { vendorId, items: [{ ...line, description: ' ' }] }, 400],
      ['unknown vendor', { vendorId: randomUUID(), items: [line] }, 422],
      [
        'total too large',
        { vendorId, items: [{ ...line, quantity: 1_000_000, unitPrice: '999999999999.99' }] },
        422,
      ],
    ];
    const before = await stored();
    for (const [what, body, status] of cases) {
      const res = await post('/api/purchase-orders', 'accountant', body);
      expect(res.status, what).toBe(status);
      expect(res.headers.get('content-type'), what).toContain('application/problem+json');
    }
    expect((await post('/api/purchase-orders', 'accountant', { vendorId, items: [line] }, null)).status).toBe(
      400,
    );
    expect(
      (
        await post('/api/bills', 'accountant', {
          vendorId: randomUUID(),
          amount: '5.00',
          dueDate: '2031-01-01',
        })
      ).status,
    ).toBe(422);
    expect(
      (await post('/api/bills', 'accountant', { vendorId, amount: '-5.00', dueDate: '2031-01-01' })).status,
    ).toBe(400);
    expect(
      (await post('/api/bills', 'accountant', { vendorId, amount: '5.00', dueDate: '2031-02-30' })).status,
    ).toBe(400);
    expect(await stored()).toBe(before);
  });

  it('guards the workflow: only the requester submits and cancels; decisions need a pending order', async () => {
    const po = await draft();
    const path = (step: string) => `/api/purchase-orders/${po.id}/${step}`;
    expect((await post(path('approve'), 'manager', {}, null)).status).toBe(409);
    expect((await post(path('submit'), 'manager', undefined, null)).status).toBe(403);
    expect((await post(path('submit'), 'accountant', undefined, null)).status).toBe(200);
    expect((await post(path('submit'), 'accountant', undefined, null)).status).toBe(409);
    expect((await post(path('cancel'), 'manager', undefined, null)).status).toBe(403);
    const cancelled = await post(path('cancel'), 'accountant', undefined, null);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await post(path('cancel'), 'accountant', undefined, null)).status).toBe(409);
    expect((await post(path('approve'), 'manager', {}, null)).status).toBe(409);
    expect((await post(path('reject'), 'manager', { comments: 'late' }, null)).status).toBe(409);

    const listed = await get('/api/purchase-orders?status=cancelled&limit=100');
    expect(listed.body.items.map((p: { id: string }) => p.id)).toContain(po.id);
    expect(
      (await get('/api/purchase-orders?status=draft&limit=100')).body.items.map((p: { id: string }) => p.id),
    ).not.toContain(po.id);
    expect((await get('/api/purchase-orders?status=bogus')).status).toBe(400);
    expect((await get(`/api/purchase-orders/${randomUUID()}`)).status).toBe(404);
    expect((await post(`/api/purchase-orders/${randomUUID()}/approve`, 'manager', {}, null)).status).toBe(
      404,
    );
  });

  it('bills a vendor with or without an order; refuses an order that is not approved or is another vendor’s', async () => {
    const plain = await post('/api/bills', 'accountant', {
      vendorId: DEMO_VENDORS[2].id,
      amount: '4500',
      dueDate: '2031-01-31',
    });
    expect(plain.status).toBe(201);
    expect(plain.body).toMatchObject({
      status: 'open',
      amount: '4500.00',
      purchaseOrderId: null,
      posted: false,
    });
    expect(plain.body.number).toMatch(/^BILL-\d{6}-\d{4}$/);
    expect((await get(`/api/bills/${plain.body.id}`)).body.number).toBe(plain.body.number);
    expect((await get('/api/bills')).body.items.map((b: { id: string }) => b.id)).toContain(plain.body.id);

    const po = await draft();
    const forDraft = await post('/api/bills', 'accountant', {
      vendorId: DEMO_VENDORS[0].id,
      amount: '1000.20',
      dueDate: '2031-01-31',
      purchaseOrderId: po.id,
    });
    expect(forDraft.status).toBe(409);
    const otherVendor = await post('/api/bills', 'accountant', {
      vendorId: DEMO_VENDORS[1].id,
      amount: '1000.20',
      dueDate: '2031-01-31',
      purchaseOrderId: po.id,
    });
    expect(otherVendor.status).toBe(422);
  });

  it('keeps a bill within its approved order (race-safe) and a bill without one to small spends', async () => {
    const po = await draft();
    const path = (step: string) => `/api/purchase-orders/${po.id}/${step}`;
    expect((await post(path('submit'), 'accountant', undefined, null)).status).toBe(200);
    expect((await post(path('approve'), 'manager', {}, null)).body.status).toBe('approved');
    const bill = (amount: string) =>
      post('/api/bills', 'accountant', {
        vendorId: DEMO_VENDORS[0].id,
        amount,
        dueDate: '2031-01-31',
        purchaseOrderId: po.id,
      });
    const before = await stored();
    const over = await bill('1000.21');
    expect(over.status).toBe(422);
    expect(over.headers.get('content-type')).toContain('application/problem+json');
    expect(over.body).toMatchObject({ amount: '1000.21', remaining: '1000.20', approved: '1000.20' });
    expect(await stored()).toBe(before);

    // Two bills at once, each within the order: the order's lock lets exactly one through.
    const both = await Promise.all([bill('600.00'), bill('600.00')]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await stored()).toBe(before + 1 + 1); // the bill and its number

    const withoutOrder = (amount: string) =>
      post('/api/bills', 'accountant', { vendorId: DEMO_VENDORS[2].id, amount, dueDate: '2031-01-31' });
    const large = await withoutOrder('10000.01');
    expect(large.status).toBe(422);
    expect(large.body).toMatchObject({ amount: '10000.01', limit: '10000.00' });
    expect(large.body.detail).toContain('purchase order');
    expect((await withoutOrder('10000.00')).status).toBe(201);
  });
});
