import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import {
  DEMO_EMPLOYEES,
  DEMO_OPERATOR,
  DEMO_ORGANIZATION,
  DEMO_RESIDENTS,
  DEMO_USERS,
  DEMO_VENDORS,
} from '#contracts/demo.js';
import { archiveDeadLetter } from '#platform/messaging/dead-letter-archive.js';
import { DEAD_LETTER_HEADERS } from '#platform/messaging/headers.js';
import type { TestSystem } from '../../support/system.js';
import { waitFor } from '../../support/wait.js';
import { signUpOrganization } from '../../support/sign-up.js';

export const OTHER_ADMIN = {
  email: 'admin@other-society.test',
  name: 'Olga Other',
  password: 'other-society-pass',
};

/** One organization's records, by the route that names them, and its admin's token. */
export interface Society {
  organizationId: string;
  token: string;
  /** Record ids by route pattern (`/api/invoices/:id`...). */
  ids: Map<string, string>;
  /** Its dead letter on each service with a database. */
  deadLetters: Map<string, string>;
  /** The thread of its first invoice (`/api/ops/trace/{correlationId}`). */
  correlationId: string;
}

export interface TenancyFixture {
  demo: Society;
  other: Society;
  operator: string;
  /** A dead letter of no organization on each service (not JSON: operators only). */
  orphans: Map<string, string>;
  call: Caller;
}

export type Caller = (
  service: string,
  method: string,
  path: string,
  token: string,
  opts?: { body?: unknown; headers?: Record<string, string> },
) => Promise<Response>;

/**
 * Two organizations with the same kinds of records (invoices with reminder jobs, a paid invoice
 * and its saga, a monthly run and its job, mails, dead letters on every service), and the demo
 * operator: built once for the tenancy tests.
 */
export async function buildTenancyFixture(system: TestSystem): Promise<TenancyFixture> {
  const call: Caller = (service, method, path, token, opts = {}) =>
    fetch(`${system.url(service as never)}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    });
  const json = async <T>(res: Response, what: string): Promise<T> => {
    expect(res.status, what).toBeLessThan(300);
    return (await res.json()) as T;
  };
  const created = async (token: string, service: string, path: string, body: unknown) =>
    json<{ id: string }>(
      await call(service, 'POST', path, token, { body, headers: { 'idempotency-key': randomUUID() } }),
      `${service} POST ${path}`,
    );

  const otherOrganizationId = await registerOtherOrganization(system);
  const demoToken = await system.login(DEMO_USERS[0].email);
  const otherToken = await system.login(OTHER_ADMIN.email, OTHER_ADMIN.password);
  const operator = await system.login(DEMO_OPERATOR.email);

  /** An invoice (with its mail), the reminder sweep's job, a paid one (payment and saga) and a monthly run. */
  const society = async (organizationId: string, token: string, customerId: string): Promise<Society> => {
    const ids = new Map<string, string>();
    const invoice = await created(token, 'sales', '/api/invoices', {
      customerId,
      amount: '1500.00',
      dueDate: '2030-01-31',
    });
    ids.set('/api/invoices/:id', invoice.id);
    const email = await waitFor('the invoice mail', async () => {
      const page = await json<{ items: { id: string }[] }>(
        await call('notification', 'GET', '/api/emails', token),
        'emails',
      );
      return page.items[0];
    });
    ids.set('/api/emails/:id', email.id);
    const toPay = await created(token, 'sales', '/api/invoices', {
      customerId,
      amount: '99.00',
      dueDate: '2030-01-31',
    });
    const paid = await call('sales', 'POST', `/api/invoices/${toPay.id}/payments`, token, {
      body: { paymentMethodId: 'pm_card_visa' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(paid.status).toBe(201);
    const { paymentId } = (await paid.json()) as { paymentId: string };
    ids.set('/api/payments/:id', paymentId);
    ids.set('/api/ops/sagas/:id', paymentId);
    // A job of the organization: its reminder sweep, run now.
    const sweep = await json<{ jobId: string }>(
      await call(
        'sales',
        'POST',
        `/api/ops/jobs/recurring/payment-reminder-sweep.${organizationId}/trigger`,
        token,
      ),
      'reminder sweep',
    );
    ids.set('/api/ops/jobs/:id', sweep.jobId);
    const period = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' })
      .format(new Date())
      .slice(0, 7);
    const run = await call('sales', 'POST', '/api/invoice-runs', token, { body: { period } });
    expect(run.status).toBe(202);
    ids.set('/api/invoice-runs/:id', ((await run.json()) as { id: string }).id);
    return {
      organizationId,
      token,
      ids,
      deadLetters: await deadLetters(system, organizationId),
      correlationId: (
        await json<{ correlationId: string }>(
          await call('sales', 'GET', `/api/invoices/${invoice.id}`, token),
          'the invoice',
        )
      ).correlationId,
    };
  };

  const demo = await society(DEMO_ORGANIZATION.id, demoToken, DEMO_RESIDENTS[0].customerId);
  const otherCustomer = await created(otherToken, 'common', '/api/customers', {
    name: 'Oscar Owner',
    email: 'oscar@other-society.test',
  });
  const other = await society(otherOrganizationId, otherToken, otherCustomer.id);
  const orphans = await deadLetters(system, null);

  // The demo's purchase order, bill and posted salary run (its payslip mail has a PDF attached).
  demo.ids.set(
    '/api/purchase-orders/:id',
    (
      await created(demoToken, 'purchase', '/api/purchase-orders', {
        vendorId: DEMO_VENDORS[0].id,
        items: [{ description: 'Brooms', quantity: 10, unitPrice: '150.00' }],
      })
    ).id,
  );
  demo.ids.set(
    '/api/bills/:id',
    (
      await created(demoToken, 'purchase', '/api/bills', {
        vendorId: DEMO_VENDORS[1].id,
        amount: '1200.00',
        dueDate: '2030-02-28',
      })
    ).id,
  );
  const salaryRun = await created(demoToken, 'payroll', '/api/salary-runs', { period: '2030-01' });
  expect((await call('payroll', 'POST', `/api/salary-runs/${salaryRun.id}/post`, demoToken)).status).toBe(
    200,
  );
  demo.ids.set('/api/salary-runs/:id', salaryRun.id);
  const payslip = await waitFor('the demo payslip mail', async () => {
    const res = await call('notification', 'GET', `/api/emails?to=${DEMO_EMPLOYEES[0].email}`, demoToken);
    return ((await res.json()) as { items: { id: string }[] }).items[0];
  });
  demo.ids.set('/api/emails/:id/attachments/:position', payslip.id);
  demo.ids.set('/api/customers/:id', DEMO_RESIDENTS[0].customerId);
  demo.ids.set('/api/residents/:id', DEMO_RESIDENTS[0].residentId);
  demo.ids.set('/api/users/:id', DEMO_USERS[1].id);
  return { demo, other, operator, orphans, call };
}

/** The second organization, signed up as any stranger can. */
async function registerOtherOrganization(system: TestSystem): Promise<string> {
  const signedUp = await signUpOrganization(system, {
    name: 'Other Society',
    companyName: 'Other Maintenance',
    admin: OTHER_ADMIN,
  });
  return signedUp.organizationId;
}

/**
 * A dead letter on every service with a database, archived as the DLQ consumer archives one: an
 * envelope of `organizationId`, or (null) a body that is no envelope at all.
 */
async function deadLetters(system: TestSystem, organizationId: string | null): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const service of system.services) {
    if (!service.db) continue;
    const messageId = randomUUID();
    const body =
      organizationId === null
        ? `not an envelope ${messageId}`
        : JSON.stringify({ messageId, type: 'test.poison', version: 1, organizationId, payload: {} });
    await archiveDeadLetter(service.db, body, {
      [DEAD_LETTER_HEADERS.id]: randomUUID(),
      [DEAD_LETTER_HEADERS.category]: 'handler-failed',
      [DEAD_LETTER_HEADERS.reason]: 'a poison message of the tenancy test',
      [DEAD_LETTER_HEADERS.attempts]: 4,
    });
    const { rows } = await service.db.query<{ id: string }>(
      'SELECT id::text AS id FROM dead_letter WHERE body LIKE $1',
      [`%${messageId}%`],
    );
    found.set(service.name, rows[0]!.id);
  }
  return found;
}
