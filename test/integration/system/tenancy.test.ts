import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_COMPANY, DEMO_ORGANIZATION, DEMO_RESIDENTS, DEMO_USERS } from '#contracts/demo.js';
import { listRoutes } from '#platform/http/route-policy.js';
import { startTestSystem, type TestSystem } from '../../support/system.js';
import { buildTenancyFixture, type Society, type TenancyFixture } from './tenancy-fixture.js';

/** Routes whose `:id` names something other than an organization's business record. */
const NOT_TENANT_RECORDS = new Set(['/api/charges/:transactionId', '/api/ops/trace/:correlationId']);
const DEAD_LETTERS = '/api/ops/dead-letters';
/** Ops routes that are no list of records: the mail switch's state. */
const NOT_LISTS = new Set(['/api/ops/mail-delivery']);
/** Routes no user may call, whoever's the record (403 for any user: test/integration/common/balances.test.ts). */
const SERVICE_ONLY = new Set(['/api/customers/:id/update-balance']);
/**
 * Only Sales queues an organization's jobs; the other services' queues hold the host's own
 * housekeeping, an operator's alone (test/integration/host/housekeeping.test.ts).
 */
const noOrganizationJobs = (service: string, url: string) =>
  url.startsWith('/api/ops/jobs') && service !== 'sales';

const BODIES: Record<string, unknown> = {
  'POST /api/invoices/:id/send-email': {},
  'POST /api/invoices/:id/payments': { paymentMethodId: 'pm_card_visa' },
  'PATCH /api/customers/:id': { name: 'Renamed By Another Organization' },
  'POST /api/purchase-orders/:id/approve': { comments: 'approved by another organization' },
  'POST /api/purchase-orders/:id/reject': { comments: 'rejected by another organization' },
};

/**
 * Every route of every service, `/api/ops/*` included, between two organizations and the
 * deployment's operator: another organization's record answers 404 (never 200 or 403, which would
 * confirm it exists) and appears in no list; the operator sees both and filters by organization.
 */
describe('tenancy across every service', () => {
  let system: TestSystem;
  let f: TenancyFixture;
  let demo: Society;
  let other: Society;

  beforeAll(async () => {
    system = await startTestSystem({ mode: 'embedded' });
    f = await buildTenancyFixture(system);
    ({ demo, other } = f);
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
  });

  /** The society's record a route names on a service (dead letters are numbered per service). */
  function idFor(s: Society, service: string, url: string): string | undefined {
    if (url.startsWith(`${DEAD_LETTERS}/:id`)) return s.deadLetters.get(service);
    if (s.ids.has(url)) return s.ids.get(url);
    const key = [...s.ids.keys()].find((k) => url.startsWith(k.replace(/:id$/, '')) && url.includes(':id'));
    return key ? s.ids.get(key) : undefined;
  }

  /** The GET routes of every service that list things (no path parameter). */
  function lists(filter: (url: string, service: string) => boolean) {
    return system.services.flatMap((service) =>
      listRoutes(service.app)
        .filter(
          (r) =>
            r.method === 'GET' && !r.config.public && !r.url.includes(':') && filter(r.url, service.name),
        )
        .map((r) => ({ service: service.name, url: r.url })),
    );
  }
  const opsLists = () =>
    lists(
      (url, service) =>
        url.startsWith('/api/ops/') && !NOT_LISTS.has(url) && !noOrganizationJobs(service, url),
    );

  it("answers 404 for another organization's records on every route that names one, ops included", async () => {
    let checked = 0;
    for (const service of system.services) {
      for (const route of listRoutes(service.app)) {
        if (!route.url.includes(':') || route.config.public || NOT_TENANT_RECORDS.has(route.url)) continue;
        if (SERVICE_ONLY.has(route.url) || noOrganizationJobs(service.name, route.url)) continue;
        if (route.url === '/api/ops/jobs/recurring/:name/trigger') {
          // Each organization's monthly run is its own recurring job: another's is not there.
          const name = `monthly-invoice-run.${DEMO_ORGANIZATION.id}`;
          const path = `/api/ops/jobs/recurring/${name}/trigger`;
          expect((await f.call(service.name, 'POST', path, other.token)).status, route.url).toBe(404);
          checked++;
          continue;
        }
        if (route.url === '/api/ledger/accounts/:code/statement') {
          // Accounts are per organization: the other organization's 1200 has none of the demo's lines.
          const res = await f.call(service.name, 'GET', '/api/ledger/accounts/1200/statement', other.token);
          expect(res.status, route.url).toBe(200);
          expect(await res.text()).not.toContain(DEMO_ORGANIZATION.id);
          checked++;
          continue;
        }
        const id = idFor(demo, service.name, route.url);
        expect(id, `${route.method} ${route.url}: add its record kind to this test`).toBeDefined();
        const path = route.url.replace(':id', id!).replace(':position', '1');
        const body = BODIES[`${route.method} ${route.url}`];
        const res = await f.call(service.name, route.method, path, other.token, {
          ...(body !== undefined ? { body } : {}),
          headers: { 'idempotency-key': randomUUID() },
        });
        expect(
          res.status,
          `${service.name} ${route.method} ${route.url} with another organization's id`,
        ).toBe(404);
        // The owner and the operator still see it: the 404 is tenancy, not a broken route.
        if (route.method === 'GET') {
          expect((await f.call(service.name, 'GET', path, demo.token)).status, route.url).toBe(200);
          if (route.url.startsWith('/api/ops/'))
            expect((await f.call(service.name, 'GET', path, f.operator)).status, route.url).toBe(200);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
  });

  it("refuses an adjusting journal that names another organization's customer, and moves nothing", async () => {
    const customer = `/api/customers/${DEMO_RESIDENTS[0].customerId}`;
    const before = (await (await f.call('common', 'GET', customer, demo.token)).json()) as {
      balance: string;
    };
    const res = await f.call('common', 'POST', '/api/ledger/journals', other.token, {
      body: {
        date: '2030-01-31',
        reason: 'Reaching into another society',
        lines: [
          { accountCode: '1200', customerId: DEMO_RESIDENTS[0].customerId, debit: '0', credit: '500.00' },
          { accountCode: '4000', debit: '500.00', credit: '0' },
        ],
      },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(res.status).toBe(422);
    const after = (await (await f.call('common', 'GET', customer, demo.token)).json()) as { balance: string };
    expect(after.balance).toBe(before.balance);
  });

  it("shows none of another organization's ids in any list, ops lists included", async () => {
    // uuids only: a short serial id such as "1" would match any text.
    const secrets = [DEMO_ORGANIZATION.id, DEMO_COMPANY.id, ...demo.ids.values()].filter(
      (id) => id.length === 36,
    );
    let checked = 0;
    for (const { service, url } of lists((u) => !NOT_LISTS.has(u))) {
      // The journals: the newest page, and the demo invoice's by its reference.
      const queries =
        url === '/api/ledger/journals' ? ['', `?referenceId=${demo.ids.get('/api/invoices/:id')}`] : [''];
      // Asking for the demo organization by name gets the other admin nothing either.
      if (url.startsWith('/api/ops/')) queries.push(`?organizationId=${DEMO_ORGANIZATION.id}`);
      for (const query of queries) {
        const res = await f.call(service, 'GET', `${url}${query}`, other.token);
        expect(res.status, `${service} GET ${url}${query}`).toBe(200);
        const text = await res.text();
        for (const id of secrets) expect(text, `${service} GET ${url}${query} leaks ${id}`).not.toContain(id);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(15);
    // The other admin's own records are there: the lists are scoped, not empty.
    const own = await f.call('sales', 'GET', '/api/ops/sagas', other.token);
    expect(await own.text()).toContain(other.ids.get('/api/ops/sagas/:id'));
  });

  it('an operator sees both organizations on every ops list and filters by organizationId', async () => {
    const both = [demo, other];
    for (const { service, url } of opsLists()) {
      const all = await (await f.call(service, 'GET', url, f.operator)).text();
      for (const s of both) expect(all, `${service} ${url}`).toContain(s.organizationId);
      for (const [s, not] of [
        [demo, other],
        [other, demo],
      ] as const) {
        const res = await f.call(service, 'GET', `${url}?organizationId=${s.organizationId}`, f.operator);
        expect(res.status).toBe(200);
        const text = await res.text();
        expect(text, `${service} ${url} filtered`).toContain(s.organizationId);
        expect(text, `${service} ${url} filtered`).not.toContain(not.organizationId);
      }
    }
    expect(opsLists().length).toBeGreaterThanOrEqual(9);
    // Every organization's mail, filtered the same way.
    const mail = async (query: string) =>
      (
        (await (await f.call('notification', 'GET', `/api/emails${query}`, f.operator)).json()) as {
          items: { id: string }[];
        }
      ).items.map((m) => m.id);
    const everyone = await mail('?limit=200');
    for (const s of both) expect(everyone).toContain(s.ids.get('/api/emails/:id'));
    expect(await mail(`?organizationId=${other.organizationId}`)).not.toContain(
      demo.ids.get('/api/emails/:id'),
    );
    // A thread of the demo: its owner and the operator read it, the other admin finds nothing.
    const trace = async (token: string) =>
      (
        (await (await f.call('sales', 'GET', `/api/ops/trace/${demo.correlationId}`, token)).json()) as {
          entries: unknown[];
        }
      ).entries.length;
    expect(await trace(demo.token)).toBeGreaterThan(0);
    expect(await trace(f.operator)).toBe(await trace(demo.token));
    expect(await trace(other.token)).toBe(0);
  });

  it('what belongs to no organization is the operator’s alone: global jobs, schedules, dead letters', async () => {
    const sweeps = (await (
      await f.call('sales', 'GET', '/api/ops/jobs?queue=invoice-run-sweep', f.operator)
    ).json()) as { items: { id: string }[] };
    const sweep = sweeps.items[0]!.id;
    const runJobs = (await (
      await f.call(
        'sales',
        'GET',
        `/api/ops/jobs?queue=invoice-run&organizationId=${DEMO_ORGANIZATION.id}`,
        f.operator,
      )
    ).json()) as { items: { id: string }[] };
    // The demo's run job (its data names the organization now) is the demo's, not the other's.
    const runJob = runJobs.items[0]!.id;
    expect((await f.call('sales', 'GET', `/api/ops/jobs/${runJob}`, demo.token)).status).toBe(200);
    for (const action of ['run-now', 'retry', 'cancel'])
      for (const id of [sweep, runJob])
        expect((await f.call('sales', 'POST', `/api/ops/jobs/${id}/${action}`, other.token)).status).toBe(
          404,
        );
    expect((await f.call('sales', 'GET', `/api/ops/jobs/${sweep}`, demo.token)).status).toBe(404);
    expect(
      (await f.call('sales', 'POST', '/api/ops/jobs/recurring/invoice-run-sweep/trigger', demo.token)).status,
    ).toBe(404);
    expect(
      (await f.call('sales', 'POST', '/api/ops/jobs/recurring/invoice-run-sweep/trigger', f.operator)).status,
    ).toBe(202);

    for (const [service, id] of f.orphans) {
      const path = `${DEAD_LETTERS}/${id}`;
      expect((await f.call(service, 'GET', path, demo.token)).status, service).toBe(404);
      expect((await f.call(service, 'DELETE', path, demo.token)).status, service).toBe(404);
      expect((await f.call(service, 'GET', path, f.operator)).status, service).toBe(200);
    }
    // Replaying "all" replays only the caller's own; the demo's dead letter stays open.
    const replayAll = await f.call('common', 'POST', `${DEAD_LETTERS}/replay`, other.token, { body: {} });
    expect(await replayAll.json()).toEqual({ replayed: 0 });
    const demoLetter = await f.call(
      'common',
      'GET',
      `${DEAD_LETTERS}/${demo.deadLetters.get('common')}`,
      demo.token,
    );
    expect(((await demoLetter.json()) as { status: string }).status).toBe('open');
    const discarded = await f.call(
      'common',
      'DELETE',
      `${DEAD_LETTERS}/${f.orphans.get('common')}`,
      f.operator,
    );
    expect(discarded.status).toBe(200);
  });

  it('shared switches: 403 for every organization role, 200 for an operator', async () => {
    const switchTo = (token: string) =>
      f.call('notification', 'PUT', '/api/ops/mail-delivery', token, { body: { state: 'up' } });
    for (const user of DEMO_USERS) {
      const res = await switchTo(await system.login(user.email));
      expect(res.status, user.email).toBe(403);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await switchTo(other.token)).status).toBe(403);
    expect((await switchTo(f.operator)).status).toBe(200);
  });

  it('refuses bad input with a 4xx: a malformed organization filter, an unknown or platform role', async () => {
    for (const { service, url } of opsLists()) {
      for (const token of [f.operator, demo.token]) {
        const res = await f.call(service, 'GET', `${url}?organizationId=not-an-organization`, token);
        expect(res.status, `${service} ${url}`).toBe(400);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
      }
    }
    // `operator` is no organization role: /api/users cannot grant it (nor any unknown role).
    for (const roles of [['operator'], ['admin', 'operator'], ['superuser']]) {
      const email = `${randomUUID().slice(0, 8)}@demo-additions.test`;
      const res = await f.call('common', 'POST', '/api/users', demo.token, {
        body: { email, name: 'Would Be Operator', roles, password: 'a-long-enough-password' },
      });
      expect(res.status, roles.join()).toBe(400);
      const users = await (await f.call('common', 'GET', '/api/users', demo.token)).text();
      expect(users).not.toContain(email);
    }
  });
});
