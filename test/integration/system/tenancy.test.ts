import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_COMPANY,
  DEMO_EMPLOYEES,
  DEMO_ORGANIZATION,
  DEMO_RESIDENTS,
  DEMO_USERS,
  DEMO_VENDORS,
} from '#contracts/demo.js';
import { listRoutes } from '#platform/http/route-policy.js';
import { waitFor } from '../../support/wait.js';
import { startTestSystem, type TestSystem } from '../../support/system.js';

const OTHER_ADMIN = { email: 'admin@other-society.test', name: 'Olga Other', password: 'other-society-pass' };

/** Routes whose `:id` names something other than an organization's business record. */
const NOT_TENANT_RECORDS = new Set(['/api/charges/:transactionId', '/api/ops/trace/:correlationId']);
const OPS_PREFIX = '/api/ops/dead-letters';

/**
 * Every route of every service, called by another organization's admin: a record of the demo
 * organization answers 404 (never 200 or 403, which would confirm it exists), and no list shows
 * any of the demo organization's ids.
 */
describe('tenancy across every service', () => {
  let system: TestSystem;
  let demoToken: string;
  let otherToken: string;
  const demoIds = new Map<string, string>();

  beforeAll(async () => {
    system = await startTestSystem({ mode: 'embedded' });
    const registered = await fetch(`${system.url('common')}/api/organizations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Other Society', companyName: 'Other Maintenance', admin: OTHER_ADMIN }),
    });
    expect(registered.status).toBe(201);
    demoToken = await system.login(DEMO_USERS[0].email);
    otherToken = await system.login(OTHER_ADMIN.email, OTHER_ADMIN.password);

    const invoice = await call('sales', 'POST', '/api/invoices', demoToken, {
      body: { customerId: DEMO_RESIDENTS[0].customerId, amount: '1500.00', dueDate: '2030-01-31' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(invoice.status).toBe(201);
    const invoiceId = ((await invoice.json()) as { id: string }).id;
    const emails = await waitFor(
      'the demo invoice mail',
      async () => {
        const page = (await (await call('notification', 'GET', '/api/emails', demoToken)).json()) as {
          items: { id: string }[];
        };
        return page.items.length > 0 && page;
      },
      15_000,
      100,
    );

    // A purchase order, a bill and a posted salary run (whose payslip mail has a PDF attached).
    const created = async (service: string, path: string, body: unknown) => {
      const res = await call(service, 'POST', path, demoToken, {
        body,
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(res.status, `${service} POST ${path}`).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    const po = await created('purchase', '/api/purchase-orders', {
      vendorId: DEMO_VENDORS[0].id,
      items: [{ description: 'Brooms', quantity: 10, unitPrice: '150.00' }],
    });
    const bill = await created('purchase', '/api/bills', {
      vendorId: DEMO_VENDORS[1].id,
      amount: '1200.00',
      dueDate: '2030-02-28',
    });
    const run = await created('payroll', '/api/salary-runs', { period: '2030-01' });
    expect((await call('payroll', 'POST', `/api/salary-runs/${run}/post`, demoToken)).status).toBe(200);
    const payslip = await waitFor('the demo payslip mail', async () => {
      const res = await call('notification', 'GET', `/api/emails?to=${DEMO_EMPLOYEES[0].email}`, demoToken);
      const page = (await res.json()) as { items: { id: string }[] };
      return page.items[0];
    });
    demoIds.set('/api/purchase-orders/:id', po);
    demoIds.set('/api/bills/:id', bill);
    demoIds.set('/api/salary-runs/:id', run);
    demoIds.set('/api/emails/:id/attachments/:position', payslip.id);
    // A second invoice, paid: its payment and the payment's saga are records of the organization too.
    const toPay = await call('sales', 'POST', '/api/invoices', demoToken, {
      body: { customerId: DEMO_RESIDENTS[0].customerId, amount: '99.00', dueDate: '2030-01-31' },
      headers: { 'idempotency-key': randomUUID() },
    });
    const paid = await call(
      'sales',
      'POST',
      `/api/invoices/${((await toPay.json()) as { id: string }).id}/payments`,
      demoToken,
      {
        body: { paymentMethodId: 'pm_card_visa' },
        headers: { 'idempotency-key': randomUUID() },
      },
    );
    expect(paid.status).toBe(201);
    const paymentId = ((await paid.json()) as { paymentId: string }).paymentId;
    demoIds.set('/api/payments/:id', paymentId);
    demoIds.set('/api/ops/sagas/:id', paymentId);
    demoIds.set('/api/customers/:id', DEMO_RESIDENTS[0].customerId);
    demoIds.set('/api/residents/:id', DEMO_RESIDENTS[0].residentId);
    demoIds.set('/api/users/:id', DEMO_USERS[1].id);
    demoIds.set('/api/invoices/:id', invoiceId);
    demoIds.set('/api/emails/:id', emails.items[0]!.id);
    // A monthly run of the demo.
    const period = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' })
      .format(new Date())
      .slice(0, 7);
    const invoiceRun = await call('sales', 'POST', '/api/invoice-runs', demoToken, { body: { period } });
    expect(invoiceRun.status).toBe(202);
    demoIds.set('/api/invoice-runs/:id', ((await invoiceRun.json()) as { id: string }).id);
    // A job of the demo organization: its reminder sweep, run now.
    const sweep = await call(
      'sales',
      'POST',
      `/api/ops/jobs/recurring/payment-reminder-sweep.${DEMO_ORGANIZATION.id}/trigger`,
      demoToken,
    );
    expect(sweep.status).toBe(202);
    demoIds.set('/api/ops/jobs/:id', ((await sweep.json()) as { jobId: string }).jobId);
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
  });

  function call(
    service: string,
    method: string,
    path: string,
    token: string,
    opts: { body?: unknown; headers?: Record<string, string> } = {},
  ) {
    return fetch(`${system.url(service as never)}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    });
  }

  const BODIES: Record<string, unknown> = {
    'POST /api/customers/:id/update-balance': { amountDelta: '10.00' },
    'POST /api/invoices/:id/send-email': {},
    'POST /api/invoices/:id/payments': { paymentMethodId: 'pm_card_visa' },
    'PATCH /api/customers/:id': { name: 'Renamed By Another Organization' },
    'POST /api/purchase-orders/:id/approve': { comments: 'approved by another organization' },
    'POST /api/purchase-orders/:id/reject': { comments: 'rejected by another organization' },
  };

  it("answers 404 for another organization's records on every route that names one", async () => {
    let checked = 0;
    for (const service of system.services) {
      for (const route of listRoutes(service.app)) {
        const paramNames = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1]);
        if (paramNames.length === 0 || route.config.public) continue;
        if (NOT_TENANT_RECORDS.has(route.url) || route.url.startsWith(OPS_PREFIX)) continue;
        const key = demoIds.has(route.url)
          ? route.url
          : [...demoIds.keys()].find(
              (k) => route.url.startsWith(k.replace(/:id$/, '')) && route.url.includes(':id'),
            );
        if (route.url === '/api/ops/jobs/recurring/:name/trigger') {
          // Each organization's monthly run is its own recurring job: another's is not there.
          const name = `monthly-invoice-run.${DEMO_ORGANIZATION.id}`;
          const res = await call(service.name, 'POST', `/api/ops/jobs/recurring/${name}/trigger`, otherToken);
          expect(res.status, route.url).toBe(404);
          checked++;
          continue;
        }
        if (route.url === '/api/ledger/accounts/:code/statement') {
          // Accounts are per organization: the other organization's 1200 has none of the demo's lines.
          const res = await call(service.name, 'GET', '/api/ledger/accounts/1200/statement', otherToken);
          expect(res.status, route.url).toBe(200);
          expect(await res.text()).not.toContain(DEMO_ORGANIZATION.id);
          checked++;
          continue;
        }
        expect(key, `${route.method} ${route.url}: add its record kind to this test`).toBeDefined();
        const path = route.url.replace(':id', demoIds.get(key!)!).replace(':position', '1');
        const body = BODIES[`${route.method} ${route.url}`];
        const res = await call(service.name, route.method, path, otherToken, {
          ...(body !== undefined ? { body } : {}),
          headers: { 'idempotency-key': randomUUID() },
        });
        expect(res.status, `${route.method} ${route.url} with another organization's id`).toBe(404);
        // The owner still sees it: the 404 is tenancy, not a broken route.
        if (route.method === 'GET')
          expect((await call(service.name, 'GET', path, demoToken)).status, route.url).toBe(200);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it("shows none of another organization's ids in any list, and the caller's token works on every service", async () => {
    // uuids only: a short serial id such as "1" would match any text.
    const secrets = [DEMO_ORGANIZATION.id, DEMO_COMPANY.id, ...demoIds.values()].filter(
      (id) => id.length === 36,
    );
    let lists = 0;
    for (const service of system.services) {
      for (const route of listRoutes(service.app)) {
        if (route.method !== 'GET' || route.config.public || route.url.includes(':')) continue;
        if (route.url.startsWith('/api/ops/')) continue;
        // The journals: the newest page, and the demo invoice's by its reference.
        const queries =
          route.url === '/api/ledger/journals'
            ? ['', `?referenceId=${demoIds.get('/api/invoices/:id')}`]
            : [''];
        for (const query of queries) {
          const res = await call(service.name, 'GET', `${route.url}${query}`, otherToken);
          expect(res.status, `${service.name} GET ${route.url}${query}`).toBe(200);
          const text = await res.text();
          for (const id of secrets)
            expect(text, `${service.name} GET ${route.url}${query} leaks ${id}`).not.toContain(id);
        }
        lists++;
      }
    }
    expect(lists).toBeGreaterThanOrEqual(5);
  });
});
