import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '#platform/data/db.js';
import { DEMO_ORGANIZATION, DEMO_RESIDENTS } from '#contracts/demo.js';
import { startTestSystem, type TestSystem } from '../../support/system.js';
import { apiOf } from '../../support/api.js';
import { pdfText } from '../../support/pdf-text.js';
import { signUpOrganization } from '../../support/sign-up.js';

const OTHER_ADMIN = { email: 'admin@reports-other.test', name: 'Olga Other', password: 'other-society-pass' };

/**
 * Sales' reports over HTTP: receivables aging at its bucket boundaries, collections by month,
 * a customer's statement (JSON, CSV, PDF), who may see what, and bad input. Each part keeps to
 * its own years so the organization-wide figures of one do not reach the other.
 */
describe('Sales reports over HTTP (embedded)', () => {
  let system: TestSystem;
  let api: ReturnType<typeof apiOf>;
  let sales: Db;
  let admin: string;
  let resident: string;

  const newCustomer = async (name: string, token = admin) =>
    (
      await api('common', 'POST', '/api/customers', {
        token,
        body: {
          name,
          email: `${name.toLowerCase().replace(/\W+/g, '.')}-${randomUUID().slice(0, 6)}@example.org`,
        },
      })
    ).body.id as string;

  const invoice = async (customerId: string, amount: string, issueDate: string, dueDate = issueDate) => {
    const res = await api('sales', 'POST', '/api/invoices', {
      token: admin,
      body: { customerId, amount, issueDate, dueDate },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; number: string };
  };

  /** A payment that succeeded at `paidAt` (written as the payment saga leaves it). */
  const paid = async (invoiceId: string, paidAt: string) => {
    await sales.query(
      `WITH i AS (UPDATE invoice SET status = 'paid', paid_at = $2 WHERE id = $1 RETURNING *)
       INSERT INTO payment (id, organization_id, invoice_id, customer_id, amount, payment_method_id, status, paid_at)
       SELECT $3, organization_id, id, customer_id, amount, 'pm_card_visa', 'succeeded', $2 FROM i`,
      [invoiceId, paidAt, randomUUID()],
    );
  };

  const get = (path: string, token = admin, accept = 'application/json') =>
    api('sales', 'GET', path, { token, headers: { accept } });

  beforeAll(async () => {
    system = await startTestSystem({ mode: 'embedded', only: ['common', 'sales', 'notification'] });
    api = apiOf(system);
    sales = system.services.find((s) => s.name === 'sales')!.db!;
    admin = await system.login('admin@demo.dhanman.local');
    resident = await system.login('resident@demo.dhanman.local');
  });
  afterAll(async () => system?.stop());

  it('ages receivables by days past due, at each boundary, in exact money', async () => {
    const asOf = '2031-12-31';
    const customer = await newCustomer('Aging Boundaries');
    const dueDaysAgo = (days: number) =>
      new Date(Date.parse(`${asOf}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
    const amounts: Record<number, string> = {
      [-5]: '0.10',
      0: '0.20',
      1: '1000.01',
      30: '2000.02',
      31: '3000.03',
      60: '4000.04',
      61: '5000.05',
      90: '6000.06',
      91: '7000.07',
    };
    for (const [days, amount] of Object.entries(amounts)) {
      await invoice(customer, amount, '2031-01-01', dueDaysAgo(Number(days)));
    }
    // Paid at 01:30 on Jan 1st in Kolkata (20:00 UTC on asOf): still open at the end of asOf.
    const paidNextDay = await invoice(customer, '11.11', '2031-01-01', dueDaysAgo(10));
    await paid(paidNextDay.id, '2031-12-31T20:00:00Z');
    // Paid at 23:00 on asOf in Kolkata: not receivable any more.
    const paidOnTime = await invoice(customer, '22.22', '2031-01-01', dueDaysAgo(10));
    await paid(paidOnTime.id, '2031-12-31T17:30:00Z');
    const voided = await invoice(customer, '33.33', '2031-01-01', dueDaysAgo(10));
    await sales.query(`UPDATE invoice SET status = 'void' WHERE id = $1`, [voided.id]);
    // Issued after asOf: not yet receivable.
    await invoice(customer, '44.44', '2032-01-01', '2032-01-15');

    const res = await get(`/api/reports/receivables?asOf=${asOf}`);
    expect(res.status).toBe(200);
    expect(res.body.asOf).toBe(asOf);
    const row = res.body.customers.find((c: { customerId: string }) => c.customerId === customer);
    expect(row).toEqual({
      customerId: customer,
      name: 'Aging Boundaries',
      balanceDue: '28011.69',
      current: '0.30',
      days1to30: '3011.14',
      days31to60: '7000.07',
      days61to90: '11000.11',
      over90: '7000.07',
    });
    for (const field of ['balanceDue', 'current', 'days1to30', 'days31to60', 'days61to90', 'over90']) {
      const sum = res.body.customers.reduce(
        (s: Decimal, c: Record<string, string>) => s.plus(c[field]!),
        new Decimal(0),
      );
      expect(res.body.totals[field], field).toBe(sum.toFixed(2));
    }

    const raw = await fetch(`${system.url('sales')}/api/reports/receivables?asOf=${asOf}`, {
      headers: { authorization: `Bearer ${admin}`, accept: 'text/csv' },
    });
    expect(raw.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await raw.text()).trim().split('\r\n');
    expect(lines[0]).toBe('customer,customerId,balanceDue,current,days1to30,days31to60,days61to90,over90');
    expect(lines).toContain(`Aging Boundaries,${customer},28011.69,0.30,3011.14,7000.07,11000.11,7000.07`);
    expect(lines.at(-1)).toMatch(/^Total,,/);

    // The invoice list too, with times in the organization's zone (Kolkata, +05:30).
    const list = await fetch(`${system.url('sales')}/api/invoices?customerId=${customer}`, {
      headers: { authorization: `Bearer ${admin}`, accept: 'text/csv' },
    });
    const listed = (await list.text()).trim().split('\r\n');
    expect(listed[0]).toBe('number,customer,issueDate,dueDate,amount,status,paidAt,createdAt');
    expect(listed).toHaveLength(1 + 13);
    expect(listed.find((l) => l.includes(paidNextDay.number))).toContain(',paid,2032-01-01 01:30,');
  });

  it('sums billed, collected and outstanding month by month', async () => {
    const customer = await newCustomer('Collections Month');
    const january = await invoice(customer, '100.10', '2029-01-10');
    await invoice(customer, '200.20', '2029-02-01');
    await invoice(customer, '0.05', '2029-02-28');
    await paid(january.id, '2029-02-15T06:00:00Z');
    const res = await get('/api/reports/collections?from=2029-01&to=2029-03');
    expect(res.status).toBe(200);
    expect(res.body.months).toEqual([
      { period: '2029-01', billed: '100.10', collected: '0.00', outstanding: '100.10' },
      { period: '2029-02', billed: '200.25', collected: '100.10', outstanding: '200.25' },
      { period: '2029-03', billed: '0.00', collected: '0.00', outstanding: '200.25' },
    ]);
    const raw = await fetch(`${system.url('sales')}/api/reports/collections?from=2029-01&to=2029-03`, {
      headers: { authorization: `Bearer ${admin}`, accept: 'text/csv' },
    });
    expect(await raw.text()).toBe(
      'period,billed,collected,outstanding\r\n2029-01,100.10,0.00,100.10\r\n2029-02,200.25,100.10,200.25\r\n2029-03,0.00,0.00,200.25\r\n',
    );
  });

  it("states a customer's account with a running balance, as JSON, CSV and PDF", async () => {
    const customer = await newCustomer('Statement Member');
    const first = await invoice(customer, '1000.00', '2030-01-05', '2030-01-15');
    const second = await invoice(customer, '1000.50', '2030-02-05', '2030-02-15');
    const third = await invoice(customer, '250.25', '2030-03-05', '2030-03-15');
    await paid(first.id, '2030-01-20T05:00:00Z');
    await paid(second.id, '2030-03-10T05:00:00Z');
    const res = await get(`/api/customers/${customer}/statement?from=2030-02-01&to=2030-03-31`);
    expect(res.status).toBe(200);
    expect(res.body.customer).toMatchObject({ id: customer, name: 'Statement Member' });
    expect(res.body.opening).toBe('0.00');
    expect(
      res.body.lines.map((l: Record<string, string>) => [
        l.date,
        l.kind,
        l.number,
        l.debit,
        l.credit,
        l.balance,
      ]),
    ).toEqual([
      ['2030-02-05', 'invoice', second.number, '1000.50', '0.00', '1000.50'],
      ['2030-03-05', 'invoice', third.number, '250.25', '0.00', '1250.75'],
      ['2030-03-10', 'payment', second.number, '0.00', '1000.50', '250.25'],
    ]);
    expect(res.body.closing).toBe('250.25');
    const later = await get(`/api/customers/${customer}/statement?from=2030-03-06&to=2030-12-31`);
    expect(later.body.opening).toBe('1250.75');

    const csv = await fetch(
      `${system.url('sales')}/api/customers/${customer}/statement?from=2030-02-01&to=2030-03-31`,
      {
        headers: { authorization: `Bearer ${admin}`, accept: 'text/csv' },
      },
    );
    const csvLines = (await csv.text()).trim().split('\r\n');
    expect(csvLines[0]).toBe('date,kind,number,debit,credit,balance');
    expect(csvLines.at(-1)).toBe('2030-03-31,closing,,,,250.25');

    const pdf = await fetch(
      `${system.url('sales')}/api/customers/${customer}/statement?from=2030-02-01&to=2030-03-31`,
      {
        headers: { authorization: `Bearer ${admin}`, accept: 'application/pdf' },
      },
    );
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const text = await pdfText(new Uint8Array(await pdf.arrayBuffer()));
    expect(text).toContain(DEMO_ORGANIZATION.name);
    expect(text).toContain('Statement Member');
    expect(text).toContain(second.number);
    expect(text).toContain(third.number);
    expect(text).toContain('Closing balance');
    expect(text).toContain('1,250.75');
    expect(text).toContain('Amount due: INR 250.25');
  });

  it('gives a resident their own statement only, and no organization-wide report', async () => {
    const own = DEMO_RESIDENTS[0].customerId;
    await invoice(own, '2500.00', '2030-04-01', '2030-04-15');
    const mine = await get(`/api/customers/${own}/statement?to=2030-12-31`, resident);
    expect(mine.status).toBe(200);
    expect(mine.body.customer.id).toBe(own);
    expect(mine.body.closing).toBe(new Decimal(mine.body.opening).plus('2500.00').toFixed(2));
    const other = await get(`/api/customers/${DEMO_RESIDENTS[1].customerId}/statement`, resident);
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await get('/api/reports/receivables', resident)).status).toBe(403);
    expect((await get('/api/reports/collections?from=2030-01&to=2030-02', resident)).status).toBe(403);
  });

  it("answers 404 for another organization's customer and for a customer nobody has", async () => {
    await signUpOrganization(system, {
      name: 'Reports Other Society',
      companyName: 'Other Maintenance',
      admin: OTHER_ADMIN,
    });
    const otherAdmin = await system.login(OTHER_ADMIN.email, OTHER_ADMIN.password);
    const theirs = await newCustomer('Their Member', otherAdmin);
    for (const id of [theirs, randomUUID()]) {
      const res = await get(`/api/customers/${id}/statement`);
      expect(res.status).toBe(404);
      expect(res.body.detail).toContain(id);
    }
    // And their reports do not show ours.
    const aging = await get('/api/reports/receivables?asOf=2031-12-31', otherAdmin);
    expect(aging.body.customers).toEqual([]);
  });

  it('refuses bad input with a 400 problem and never a 500', async () => {
    const customer = DEMO_RESIDENTS[1].customerId;
    const bad = [
      '/api/reports/receivables?asOf=2031-13-01',
      '/api/reports/receivables?asOf=2031-02-30',
      '/api/reports/receivables?asOf=yesterday',
      '/api/reports/collections?from=2031-13&to=2032-01',
      '/api/reports/collections?from=2031-00&to=2031-02',
      '/api/reports/collections?from=2031-1&to=2031-02',
      '/api/reports/collections?from=2030-01&to=2032-01',
      '/api/reports/collections?from=2031-05&to=2031-04',
      '/api/reports/collections?from=2031-04',
      `/api/customers/${customer}/statement?from=2031-05-01&to=2031-04-01`,
      `/api/customers/${customer}/statement?from=2031-5-1`,
      '/api/customers/not-a-uuid/statement',
    ];
    for (const path of bad) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type'), path).toMatch(/problem\+json/);
    }
    // Without a range: the twelve months to this one (organization time).
    const year = await get('/api/reports/collections');
    expect(year.body.months).toHaveLength(12);
    // 24 months is the most, and still answered.
    const longest = await get('/api/reports/collections?from=2030-01&to=2031-12');
    expect(longest.body.months).toHaveLength(24);
  });
});
