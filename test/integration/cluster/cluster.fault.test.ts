import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_RESIDENTS } from '#contracts/demo.js';
import { SERVICE_NAMES } from '#contracts/services.js';
import { currentPeriod } from '#services/sales/runs/period.js';
import { ensurePrometheus, prometheusConfig, startPrometheus } from '../../../bin/prometheus.js';
import { startPostgres, stopPostgres } from '../../../ops/cluster/postgres.js';
import { signal } from '../../../ops/cluster/processes.js';
import { bootRabbitNode, killRabbitNode } from '../../../ops/cluster/rabbitmq.js';
import { livePids } from '../../../ops/cluster/state.js';
import { freePort } from '../../harness/ports.js';
import { isAlive, waitForExit } from '../../harness/process-cleanup.js';
import { ROOT } from '../../support/processes.js';
import { waitFor } from '../../support/wait.js';
import { startClusterForTest, type ClusterUnderTest } from './cluster-fixture.js';
import { sendInvoices } from './invoice-load.js';
import { clusterChecks, monthsBefore, readyStatus, timed } from './cluster-checks.js';

/*
 * The cluster as `npm run cluster` starts it (3 RabbitMQ nodes, PostgreSQL, HAProxy, 2 copies of
 * every service), started once for the file; the scenarios run in order on it, each striking a
 * third of the way into its load and then checking every invoice: there once, posted by exactly
 * one journal, mailed once, the ledger balanced.
 */
let cluster: ClusterUnderTest;
let admin = '';
const checks = clusterChecks(
  () => cluster,
  () => admin,
);

beforeAll(async () => {
  const started = Date.now();
  cluster = await startClusterForTest(2);
  process.stderr.write(`[cluster test] cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  admin = await cluster.login('admin@demo.dhanman.local');
}, 600_000);

afterAll(async () => {
  await cluster?.stop().catch((err: unknown) => process.stderr.write(`${String(err)}\n`));
}, 180_000);

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
    expect(await checks.queuesShort(0)).toEqual([]);
  });

  it('Prometheus scrapes every copy, every node and the balancer: the per-copy and per-node panels show each', async () => {
    const { plan } = cluster.state();
    await ensurePrometheus();
    const dir = mkdtempSync(join(tmpdir(), 'dhanman-cluster-prometheus-'));
    const prometheus = await startPrometheus({
      dir,
      port: await freePort(),
      config: prometheusConfig({
        services: plan.copyPorts.map((c) => `127.0.0.1:${c.port}`),
        rabbitmq: plan.rabbitmq.map((n) => `127.0.0.1:${n.prometheusPort}`),
        balancer: `127.0.0.1:${plan.balancer.metrics}`,
        intervalSeconds: 1,
      }),
    });
    try {
      const dashboard = JSON.parse(
        readFileSync(join(ROOT, 'ops/grafana/dashboards/dhanman.json'), 'utf8'),
      ) as {
        panels: { title: string; targets: { expr: string }[] }[];
      };
      const expr = (title: string, i = 0) =>
        dashboard.panels
          .find((p) => p.title === title)!
          .targets[i]!.expr.replaceAll('$service', '.*')
          .replaceAll('$__rate_interval', '15s');
      const series = (e: string) => prometheus.query(e).then((r) => r.length);
      // Rates need two scrapes of every copy: wait for the evidence rather than a fixed time.
      await waitFor(
        'a CPU series per copy',
        async () => (await series(expr('CPU per copy'))) === plan.copyPorts.length,
        60_000,
        1_000,
      );
      await waitFor(
        'a series per RabbitMQ node',
        async () => (await series(expr('RabbitMQ per node'))) === 3,
        60_000,
        1_000,
      );
      expect(await series('haproxy_backend_active_servers == 2')).toBe(SERVICE_NAMES.length);
    } finally {
      await prometheus.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('300 invoices by 16 clients; a RabbitMQ node and a Sales copy SIGKILLed a third of the way in: each invoice once, posted once, mailed once; the node rejoins', async () => {
    const plan = cluster.state().plan;
    const { ids, emails } = await checks.customers(`a${randomUUID().slice(0, 6)}`);
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
    await timed('checks', () => checks.expectEachInvoiceOnce(result, emails, 300));

    await timed('node restart', () => bootRabbitNode(victim));
    await waitFor(
      'every queue with 3 members online again',
      async () => (await checks.queuesShort(0)).length === 0,
      120_000,
      1_000,
    );
    expect((await cluster.status()).rabbitmq.every((r) => r.running)).toBe(true);
    await timed('sales copy 1 restarted', () => cluster.restartCopy('sales', 1));
  }, 900_000);

  it('a Common copy SIGKILLed while Sales calls it: no invoice fails that a retry with its key does not fix', async () => {
    const { ids, emails } = await checks.customers(`b${randomUUID().slice(0, 6)}`);
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
    await checks.expectEachInvoiceOnce(result, emails, 120);
    await cluster.restartCopy('common', 1);
  }, 600_000);

  it('PostgreSQL restarted while invoices flow: ready says 503 while it is down and 200 after; nothing lost or doubled', async () => {
    const plan = cluster.state().plan;
    const { ids, emails } = await checks.customers(`c${randomUUID().slice(0, 6)}`);
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
    await checks.expectEachInvoiceOnce(result, emails, 120);
    for (const s of SERVICE_NAMES) expect((await fetch(`${cluster.url(s)}/health/ready`)).status).toBe(200);
  }, 600_000);

  it('a monthly run of 2,000 residents with 2 Sales copies: each resident invoiced once, the run completed once', async () => {
    const residents = 2_000;
    const tag = `m${randomUUID().slice(0, 6)}`;
    await checks.populateResidents(tag, residents);
    // Six months back: a period no run has billed yet, within what a run may bill (a year back).
    const period = monthsBefore(currentPeriod('Asia/Kolkata'), 6);
    const started = await checks.api('sales', 'POST', '/api/invoice-runs', { period });
    expect(started.status).toBe(202);
    const run = await timed('monthly run of 2,000 residents', () =>
      waitFor(
        'the run to finish',
        async () => {
          const res = await checks.api('sales', 'GET', `/api/invoice-runs/${started.body.id as string}`);
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
    expect(
      await checks.countRows('sales', 'SELECT count(*) AS n FROM invoice_run WHERE period = $1', [period]),
    ).toBe(1);
    expect(
      await checks.countRows('sales', 'SELECT count(*) AS n FROM invoice_run_item WHERE period = $1', [
        period,
      ]),
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
