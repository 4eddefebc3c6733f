import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_COMPANY, DEMO_ORGANIZATION, DEMO_RESIDENTS } from '#contracts/demo.js';
import { SERVICE_NAMES } from '#contracts/services.js';
import { startPostgres, stopPostgres } from '../../../ops/cluster/postgres.js';
import { signal } from '../../../ops/cluster/processes.js';
import { bootRabbitNode, killRabbitNode, rabbitctl } from '../../../ops/cluster/rabbitmq.js';
import { livePids } from '../../../ops/cluster/state.js';
import { isAlive, waitForExit } from '../../harness/process-cleanup.js';
import { waitFor } from '../../support/wait.js';
import { startClusterForTest, type ClusterUnderTest } from './cluster-fixture.js';
import { sendInvoices, type LoadResult } from './invoice-load.js';

/*
 * The cluster as `npm run cluster` starts it (3 RabbitMQ nodes, PostgreSQL, HAProxy, 2 copies of
 * every service), started once for the file; the scenarios run in order on it, each striking a
 * third of the way into its load and then checking every invoice: there once, posted by exactly
 * one journal, mailed once, the ledger balanced.
 */
let cluster: ClusterUnderTest;
let admin = '';

beforeAll(async () => {
  const started = Date.now();
  cluster = await startClusterForTest(2);
  process.stderr.write(`[cluster test] cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  admin = await cluster.login('admin@demo.dhanman.local');
}, 600_000);

afterAll(async () => {
  await cluster?.stop().catch((err: unknown) => process.stderr.write(`${String(err)}\n`));
}, 180_000);

const api = async (service: 'common' | 'sales', method: string, path: string, body?: unknown) => {
  const res = await fetch(`${cluster.url(service)}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${admin}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json', 'idempotency-key': randomUUID() }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, unknown> };
};

/** A customer per client, with an email of this scenario's own, so its mails can be counted. */
async function customers(tag: string, n = 16): Promise<{ ids: string[]; emails: string[] }> {
  const emails = Array.from({ length: n }, (_, i) => `${tag}-${i}@cluster.example`);
  const ids: string[] = [];
  for (const email of emails) {
    const res = await api('common', 'POST', '/api/customers', { name: `Client ${email}`, email });
    expect(res.status).toBe(201);
    ids.push(res.body.id as string);
  }
  return { ids, emails };
}

const count = async (service: 'sales' | 'common' | 'notification', sql: string, params: unknown[]) =>
  Number((await cluster.db(service).query<{ n: string }>(sql, params)).rows[0]!.n);

/** Every invoice made once, posted with exactly one journal, mailed once; the trial balance balances. */
async function expectEachInvoiceOnce(load: LoadResult, emails: string[], expected: number): Promise<void> {
  expect(load.failed).toEqual([]);
  const ids = [...load.invoices.values()];
  expect(new Set(ids).size).toBe(expected);
  const tagKeys = [...load.invoices.keys()];
  expect(
    await count('sales', 'SELECT count(*) AS n FROM invoice WHERE idempotency_key = ANY($1)', [tagKeys]),
  ).toBe(expected);
  await waitFor(
    'every invoice posted',
    async () =>
      (await count(
        'sales',
        'SELECT count(*) AS n FROM invoice WHERE id = ANY($1::uuid[]) AND journal_id IS NOT NULL',
        [ids],
      )) === expected,
    240_000,
    500,
  );
  const journals = await cluster
    .db('common')
    .query<{ n: string }>(
      'SELECT count(*) AS n FROM journal WHERE reference_id = ANY($1::uuid[]) GROUP BY reference_id',
      [ids],
    );
  expect(journals.rows).toHaveLength(expected);
  expect(journals.rows.every((r) => r.n === '1')).toBe(true);
  const mails = () =>
    count(
      'notification',
      `SELECT count(*) AS n FROM outgoing_email WHERE template = 'invoice-created' AND recipient = ANY($1)`,
      [emails],
    );
  await waitFor('every invoice mailed', async () => (await mails()) >= expected, 240_000, 500);
  expect(await mails()).toBe(expected);
  const trial = await api('common', 'GET', '/api/ledger/trial-balance');
  expect(trial.status).toBe(200);
  expect(trial.body.totalDebit).toBe(trial.body.totalCredit);
}

/** Queues whose members are not all online (asked of `via`). */
async function queuesShort(via: number): Promise<string[]> {
  const plan = cluster.state().plan;
  const out = await rabbitctl(
    plan.rabbitmq[via]!,
    'list_queues',
    'name',
    'members',
    'online',
    '--formatter',
    'json',
  );
  const queues = JSON.parse(out) as { name: string; members: string[]; online: string[] }[];
  return queues.filter((q) => q.members.length !== 3 || q.online.length !== 3).map((q) => q.name);
}

const readyStatus = (base: string) =>
  fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(10_000) }).then(
    (r) => r.status,
    (err: unknown) => String(err),
  );

const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    process.stderr.write(`[cluster test] ${what}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
};

describe('the cluster (3 RabbitMQ nodes, PostgreSQL, HAProxy, 2 copies of each service)', () => {
  it('starts ready: status lists every node, copy and port; every service answers through the balancer', async () => {
    const status = await cluster.status();
    expect(status.ready).toBe(true);
    expect(status.rabbitmq).toHaveLength(3);
    expect(status.rabbitmq.every((r) => r.running && r.pid !== null)).toBe(true);
    expect(status.postgres.pid).not.toBeNull();
    expect(status.balancer.pid).not.toBeNull();
    expect(status.services).toHaveLength(SERVICE_NAMES.length * 2);
    expect(status.services.every((s) => s.ready)).toBe(true);
    for (const s of SERVICE_NAMES) expect((await fetch(`${cluster.url(s)}/health/ready`)).status).toBe(200);
    // The console through the balancer, and every node's Prometheus endpoint.
    expect((await fetch(`http://127.0.0.1:${status.console.port}/`)).status).toBe(200);
    for (const r of status.rabbitmq) {
      const metrics = await (await fetch(`http://127.0.0.1:${r.prometheusPort}/metrics`)).text();
      expect(metrics).toContain('rabbitmq_');
    }
    expect(await queuesShort(0)).toEqual([]);
  });

  it('300 invoices by 16 clients; a RabbitMQ node and a Sales copy SIGKILLed a third of the way in: each invoice once, posted once, mailed once; the node rejoins', async () => {
    const plan = cluster.state().plan;
    const { ids, emails } = await customers(`a${randomUUID().slice(0, 6)}`);
    const load = sendInvoices({
      salesUrl: cluster.url('sales'),
      token: admin,
      customerIds: ids,
      count: 300,
      clients: 16,
    });
    await waitFor('a third of the invoices', () => load.done() >= 100, 300_000, 50);
    const victim = plan.rabbitmq[1]!;
    const sales1 = cluster.state().copies.find((c) => c.service === 'sales' && c.copy === 1)!;
    signal(sales1.pid, 'SIGKILL');
    await killRabbitNode(victim);
    const result = await timed('300 invoices with a node and a copy killed', () => load.result);
    process.stderr.write(`[cluster test] retries by clients: ${result.retries}\n`);
    await timed('checks', () => expectEachInvoiceOnce(result, emails, 300));

    await timed('node restart', () => bootRabbitNode(victim));
    await waitFor(
      'every queue with 3 members online again',
      async () => (await queuesShort(0)).length === 0,
      120_000,
      1_000,
    );
    expect((await cluster.status()).rabbitmq.every((r) => r.running)).toBe(true);
    await timed('sales copy 1 restarted', () => cluster.restartCopy('sales', 1));
  }, 900_000);

  it('a Common copy SIGKILLed while Sales calls it: no invoice fails that a retry with its key does not fix', async () => {
    const { ids, emails } = await customers(`b${randomUUID().slice(0, 6)}`);
    const load = sendInvoices({
      salesUrl: cluster.url('sales'),
      token: admin,
      customerIds: ids,
      count: 120,
      clients: 16,
    });
    await waitFor('a third of the invoices', () => load.done() >= 40, 300_000, 50);
    const common1 = cluster.state().copies.find((c) => c.service === 'common' && c.copy === 1)!;
    signal(common1.pid, 'SIGKILL');
    const result = await timed('120 invoices with a Common copy killed', () => load.result);
    await expectEachInvoiceOnce(result, emails, 120);
    await cluster.restartCopy('common', 1);
  }, 600_000);

  it('PostgreSQL restarted while invoices flow: ready says 503 while it is down and 200 after; nothing lost or doubled', async () => {
    const plan = cluster.state().plan;
    const { ids, emails } = await customers(`c${randomUUID().slice(0, 6)}`);
    const load = sendInvoices({
      salesUrl: cluster.url('sales'),
      token: admin,
      customerIds: ids,
      count: 120,
      clients: 16,
    });
    await waitFor('a third of the invoices', () => load.done() >= 40, 300_000, 50);
    const copy = cluster.state().copies.find((c) => c.service === 'sales' && c.copy === 2)!;
    stopPostgres(plan.postgres);
    await waitFor(
      'a copy to say it is not ready',
      async () => (await readyStatus(`http://127.0.0.1:${copy.port}`)) === 503,
      60_000,
      100,
    );
    expect(await readyStatus(cluster.url('sales'))).toBe(503);
    // Every copy is still there: a copy that died would not answer at all.
    expect(cluster.state().copies.every((c) => isAlive(c.pid))).toBe(true);
    startPostgres(plan.postgres);
    await waitFor('every copy ready again', async () => (await cluster.status()).ready, 180_000, 500);
    const result = await timed('120 invoices across a PostgreSQL restart', () => load.result);
    await expectEachInvoiceOnce(result, emails, 120);
    for (const s of SERVICE_NAMES) expect((await fetch(`${cluster.url(s)}/health/ready`)).status).toBe(200);
  }, 600_000);

  it('a monthly run of 2,000 residents with 2 Sales copies: each resident invoiced once, the run completed once', async () => {
    const residents = 2_000;
    const tag = `m${randomUUID().slice(0, 6)}`;
    await populateResidents(tag, residents);
    const period = '2031-07';
    const started = await api('sales', 'POST', '/api/invoice-runs', { period });
    expect(started.status).toBe(202);
    const run = await timed('monthly run of 2,000 residents', () =>
      waitFor(
        'the run to finish',
        async () => {
          const res = await api('sales', 'GET', `/api/invoice-runs/${started.body.id as string}`);
          return res.body.status !== 'running' ? res.body : undefined;
        },
        600_000,
        1_000,
      ),
    );
    const total = residents + DEMO_RESIDENTS.length;
    expect(run).toMatchObject({
      status: 'completed',
      residents: total,
      created: total,
      skipped: 0,
      failed: 0,
    });
    expect(await count('sales', 'SELECT count(*) AS n FROM invoice_run WHERE period = $1', [period])).toBe(1);
    expect(
      await count('sales', 'SELECT count(*) AS n FROM invoice_run_item WHERE period = $1', [period]),
    ).toBe(total);
    // The invoices themselves, not only the run's record of them: one per resident's customer.
    const perCustomer = await cluster
      .db('sales')
      .query<{ n: string }>(
        'SELECT count(*) AS n FROM invoice WHERE customer_email LIKE $1 GROUP BY customer_id',
        [`${tag}-%`],
      );
    expect(perCustomer.rows).toHaveLength(residents);
    expect(perCustomer.rows.every((r) => r.n === '1')).toBe(true);
  }, 900_000);

  it('down stops every process of the cluster', async () => {
    const pids = livePids(cluster.state());
    expect(pids.length).toBeGreaterThanOrEqual(3 + 1 + 1 + SERVICE_NAMES.length * 2 + 1);
    const stopping = cluster.stop();
    await stopping;
    for (const pid of pids) expect(await waitForExit(pid, 30_000)).toBe(true);
    expect(pids.filter(isAlive)).toEqual([]);
  }, 180_000);
});

/** `count` residents in the demo organization, each the customer of the same id in Common (written straight to the tables). */
async function populateResidents(tag: string, n: number): Promise<void> {
  const org = DEMO_ORGANIZATION.id;
  const company = DEMO_COMPANY.id;
  const id = (kind: string) => {
    const h = `md5($1::text || '${kind}' || i)`;
    return `(substr(${h}, 1, 12) || '4' || substr(${h}, 14, 3) || '8' || substr(${h}, 18))::uuid`;
  };
  await cluster.db('common').query(
    `INSERT INTO customer (id, organization_id, company_id, name, email)
     SELECT ${id('customer')}, $2::uuid, $3::uuid, 'Resident ' || i, $1 || '-' || i || '@residents.example'
       FROM generate_series(1, $4::int) AS i`,
    [tag, org, company, n],
  );
  const building = randomUUID();
  await cluster
    .db('community')
    .query(`INSERT INTO building (id, organization_id, company_id, name) VALUES ($1, $2, $3, $4)`, [
      building,
      org,
      company,
      `Tower ${tag}`,
    ]);
  await cluster.db('community').query(
    `INSERT INTO unit (id, organization_id, company_id, building_id, code)
     SELECT ${id('unit')}, $2::uuid, $3::uuid, $4::uuid, $1 || '-' || i FROM generate_series(1, $5::int) AS i`,
    [tag, org, company, building, n],
  );
  await cluster.db('community').query(
    `INSERT INTO resident (id, organization_id, company_id, unit_id, customer_id, name, email, monthly_charges)
     SELECT ${id('resident')}, $2::uuid, $3::uuid, ${id('unit')}, ${id('customer')}, 'Resident ' || i,
            $1 || '-' || i || '@residents.example', 2500
       FROM generate_series(1, $4::int) AS i`,
    [tag, org, company, n],
  );
}
