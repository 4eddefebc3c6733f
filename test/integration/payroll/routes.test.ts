import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '#contracts/demo.js';
import { apiOf } from '../../support/api.js';
import { dbOf, startTestSystem, type TestSystem } from '../../support/system.js';

/** Money as whole cents, so sums are exact. */
const cents = (amount: string) => Math.round(Number(amount) * 100);

const email = (role: string) => DEMO_USERS.find((u) => u.roles.includes(role as never))!.email;

/** Payroll's own HTTP surface on the embedded default: employees, salary runs, bad input. */
describe('payroll routes', () => {
  let system: TestSystem;
  let api: ReturnType<typeof apiOf>;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    system = await startTestSystem({ mode: 'embedded', only: ['common', 'payroll'] });
    api = apiOf(system);
    for (const role of ['accountant', 'manager', 'resident']) tokens[role] = await system.login(email(role));
  }, 180_000);
  afterAll(() => system?.stop());

  const post = (path: string, role: string, body?: unknown, key: string | null = randomUUID()) =>
    api('payroll', 'POST', path, {
      token: tokens[role],
      body,
      headers: key ? { 'idempotency-key': key } : {},
    });
  const get = (path: string, role = 'accountant') => api('payroll', 'GET', path, { token: tokens[role] });
  const stored = async () => {
    const { rows } = await dbOf(system, 'payroll').query<{ n: string }>(
      `SELECT (SELECT count(*) FROM employee) + (SELECT count(*) FROM salary_run) + (SELECT count(*) FROM payslip) AS n`,
    );
    return Number(rows[0]!.n);
  };
  const employee = {
    name: 'Lakshmi Nair',
    email: 'lakshmi@staff.example',
    monthlyGross: '15000.50',
    monthlyDeductions: '500.25',
  };

  it('refuses callers without the permission', async () => {
    expect((await get('/api/employees', 'resident')).status).toBe(403);
    expect((await post('/api/salary-runs', 'manager', { period: '2031-05' })).status).toBe(403);
    expect((await api('payroll', 'GET', '/api/salary-runs')).status).toBe(401);
  });

  it('refuses bad input with a 4xx and writes nothing', async () => {
    const before = await stored();
    const cases: Array<[string, string, unknown, number]> = [
      ['deductions above gross', '/api/employees', { ...employee, monthlyDeductions: '15000.51' }, 422],
      ['negative gross', '/api/employees', { ...employee, monthlyGross: '-1.00' }, 400],
      ['three decimals', '/api/employees', { ...employee, monthlyGross: '100.001' }, 400],
      ['negative deductions', '/api/employees', { ...employee, monthlyDeductions: '-0.01' }, 400],
      ['bad email', '/api/employees', { ...employee, email: 'not-an-email' }, 400],
      ['month 13', '/api/salary-runs', { period: '2026-13' }, 400],
      ['month without zero', '/api/salary-runs', { period: '2026-1' }, 400],
      ['a date', '/api/salary-runs', { period: '2026-01-01' }, 400],
    ];
    for (const [what, path, body, status] of cases) {
      const res = await post(path, 'accountant', body);
      expect(res.status, what).toBe(status);
      expect(res.headers.get('content-type'), what).toContain('application/problem+json');
    }
    expect((await post('/api/salary-runs', 'accountant', { period: '2031-04' }, null)).status).toBe(400);
    expect((await post(`/api/salary-runs/${randomUUID()}/post`, 'accountant', undefined, null)).status).toBe(
      404,
    );
    expect(await stored()).toBe(before);
  });

  it('adds an employee who is paid in the next run; one run per month, posted once', async () => {
    const added = await post('/api/employees', 'accountant', employee);
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ ...employee, status: 'active' });
    expect((await get('/api/employees?limit=100')).body.items.map((e: { id: string }) => e.id)).toContain(
      added.body.id,
    );

    type Staff = { id: string; status: string; monthlyGross: string; monthlyDeductions: string };
    const staff: Staff[] = (await get('/api/employees?limit=100')).body.items;
    const active = staff.filter((e) => e.status === 'active');
    const run = await post('/api/salary-runs', 'accountant', { period: '2031-05' });
    expect(run.status).toBe(201);
    // One payslip per active employee (the seed's and the one added), paid what their record says.
    expect(run.body.payslips).toHaveLength(active.length);
    for (const e of active) {
      const slip = run.body.payslips.find((p: { employeeId: string }) => p.employeeId === e.id);
      expect(slip).toMatchObject({ gross: e.monthlyGross, deductions: e.monthlyDeductions });
      expect(cents(slip.net)).toBe(cents(e.monthlyGross) - cents(e.monthlyDeductions));
    }
    expect(
      run.body.payslips.find((p: { employeeId: string }) => p.employeeId === added.body.id),
    ).toMatchObject({
      gross: '15000.50',
      deductions: '500.25',
      net: '14500.25',
    });
    // The totals are the payslips' sums.
    const sum = (field: 'gross' | 'deductions' | 'net') =>
      run.body.payslips.reduce((n: number, p: Record<string, string>) => n + cents(p[field]!), 0);
    expect(cents(run.body.totalGross)).toBe(sum('gross'));
    expect(cents(run.body.totalDeductions)).toBe(sum('deductions'));
    expect(cents(run.body.totalNet)).toBe(sum('net'));
    expect((await post('/api/salary-runs', 'accountant', { period: '2031-05' })).status).toBe(409);

    const posted = await post(`/api/salary-runs/${run.body.id}/post`, 'accountant', undefined, null);
    expect(posted.status).toBe(200);
    expect(posted.body).toMatchObject({ status: 'posted' });
    expect((await post(`/api/salary-runs/${run.body.id}/post`, 'accountant', undefined, null)).status).toBe(
      409,
    );
    expect((await get(`/api/salary-runs/${run.body.id}`)).body.status).toBe('posted');
    expect((await get('/api/salary-runs')).body.items.map((r: { period: string }) => r.period)).toContain(
      '2031-05',
    );
  });
});
