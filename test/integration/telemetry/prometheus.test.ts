import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import {
  checkMetrics,
  ensurePrometheus,
  prometheusConfig,
  promtool,
  startPrometheus,
  type RunningPrometheus,
} from '../../../bin/prometheus.js';
import { freePort } from '../../harness/ports.js';
import { apiOf } from '../../support/api.js';
import { dbOf, startTestSystem, type TestSystem } from '../../support/system.js';
import { waitFor } from '../../support/wait.js';
import { stopCommon } from '../common/restart.js';
import { startSmtpSink, type SmtpSink } from '../invoice-flow/smtp-sink.js';

const OPS = resolve(import.meta.dirname, '../../../ops');

interface Panel {
  title: string;
  targets: Array<{ expr: string }>;
}

/** A panel's query as Grafana sends it with every service selected. */
const asSent = (expr: string) =>
  expr.replaceAll('$service', '.*').replaceAll('$__rate_interval', '15s').replaceAll('$__range', '5m');

/**
 * The shipped configuration against a real Prometheus and a running system on RabbitMQ +
 * PostgreSQL: the files pass promtool, every alert is proven by promtool's rule tests, every
 * service's /metrics is valid exposition, and after traffic (a failing handler, an open breaker)
 * every query of every dashboard panel returns data.
 */
describe('Prometheus, alerts and dashboard', () => {
  let system: TestSystem;
  let sink: SmtpSink;
  let prometheus: RunningPrometheus;
  let dir: string;

  beforeAll(async () => {
    await ensurePrometheus();
    sink = await startSmtpSink();
    dir = mkdtempSync(join(tmpdir(), 'dhanman-prometheus-'));
    system = await startTestSystem({
      mode: 'distributed',
      env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(sink.port), SMTP_POOL_SIZE: '1' },
    });
    const rabbit = inject('rabbitNode').prometheusPort;
    prometheus = await startPrometheus({
      dir,
      port: await freePort(),
      config: prometheusConfig({
        services: system.services.map((s) => `127.0.0.1:${s.port}`),
        rabbitmq: rabbit === undefined ? undefined : `127.0.0.1:${rabbit}`,
        intervalSeconds: 1,
      }),
    });
  });
  afterAll(async () => {
    await prometheus?.stop();
    await system?.stop();
    await sink?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships a scrape config and alert rules promtool accepts, and every alert is proven by a rule test', async () => {
    await expect(promtool('check', 'config', join(OPS, 'prometheus/prometheus.yml'))).resolves.toContain(
      'SUCCESS',
    );
    await expect(promtool('check', 'rules', join(OPS, 'prometheus/alerts.yml'))).resolves.toContain(
      'SUCCESS: 6 rules found',
    );
    await expect(promtool('test', 'rules', join(OPS, 'prometheus/alerts.test.yml'))).resolves.toContain(
      'SUCCESS',
    );
    // Each alert has a rule test that expects it to fire and one moment that expects it quiet.
    const rules = readFileSync(join(OPS, 'prometheus/alerts.yml'), 'utf8');
    const tests = readFileSync(join(OPS, 'prometheus/alerts.test.yml'), 'utf8');
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
    expect(alerts).toHaveLength(6);
    for (const alert of alerts) {
      const blocks = tests.split(`alertname: ${alert}\n`).slice(1);
      expect(
        blocks.some((b) => /^\s+exp_alerts: \[\]/.test(b)),
        `${alert} quiet`,
      ).toBe(true);
      expect(
        blocks.some((b) => /^\s+exp_alerts:\n\s+- exp_labels/.test(b)),
        `${alert} fires`,
      ).toBe(true);
    }
  });

  it('serves valid Prometheus exposition on every service', async () => {
    for (const s of system.services) {
      const exposition = await (await fetch(`${s.url}/metrics`)).text();
      expect(exposition, s.name).toContain('dhanman_http_server_request_duration_seconds');
      const problems = await checkMetrics(exposition).then(
        (out) => out,
        (err: Error) => err.message,
      );
      const ours = problems
        .split('\n')
        .filter((l) => / should | must |error/i.test(l))
        // prom-client's own gauges, named before the convention (kept: dashboards out there use them).
        .filter((l) => !/^nodejs_active_\w+_total non-counter/.test(l) && !/exited with/.test(l));
      expect(ours, s.name).toEqual([]);
    }
  });

  it('answers every query of every dashboard panel after traffic, a failing handler and an open breaker', async () => {
    const api = apiOf(system);
    const admin = await system.login('admin@demo.dhanman.local');
    const customer = await api('common', 'POST', '/api/customers', {
      token: admin,
      body: { name: 'Anita Rao', email: `${randomUUID().slice(0, 8)}@residents.example` },
    });
    expect(customer.status).toBe(201);
    const invoice = () =>
      api('sales', 'POST', '/api/invoices', {
        token: admin,
        body: { customerId: customer.body.id, amount: '100.00', dueDate: '2031-03-31' },
        headers: { 'idempotency-key': randomUUID() },
      });
    // The mail server refuses: Notification's handler fails, retries, and dead-letters.
    sink.failing = true;
    expect((await invoice()).status).toBe(201);
    expect((await invoice()).status).toBe(201);
    const failed = await waitFor(
      'a dead letter in Prometheus',
      async () => (await prometheus.query('sum(dhanman_messages_dead_lettered_total) > 0')).length > 0,
      30_000,
      500,
    );
    expect(failed).toBe(true);
    sink.failing = false;
    // A copy published again (as after a relay crash between the broker's confirm and the mark):
    // the consumers' inbox absorbs it as a duplicate.
    await dbOf(system, 'sales').query(
      `UPDATE outbox SET sent_at = NULL WHERE id = (SELECT max(id) FROM outbox WHERE type = 'sales.invoice-created')`,
    );
    await waitFor(
      'a duplicate in Prometheus',
      async () =>
        (await prometheus.query('sum(dhanman_messages_consumed_total{outcome="duplicate"}) > 0')).length > 0,
      30_000,
      500,
    );
    // An operator runs a recurring job now (the monthly invoice run): a job run to show.
    const recurring = await api('sales', 'GET', '/api/ops/jobs/recurring', { token: admin });
    const job = (recurring.body as { items: { name: string }[] }).items[0]!;
    const trigger = `/api/ops/jobs/recurring/${encodeURIComponent(job.name)}/trigger`;
    expect((await api('sales', 'POST', trigger, { token: admin })).status).toBe(202);
    await waitFor(
      'a job run in Prometheus',
      async () => (await prometheus.query('sum(dhanman_job_runs_total) > 0')).length > 0,
      30_000,
      500,
    );
    // Common goes away: Sales' calls fail until its breaker opens.
    const restartCommon = await stopCommon(system);
    for (let i = 0; i < 6; i++) expect((await invoice()).status).toBe(503);
    await waitFor(
      'the open breaker in Prometheus',
      async () => (await prometheus.query('max(dhanman_http_client_circuit_state) == 2')).length > 0,
      15_000,
      500,
    );
    await restartCommon();

    const dashboard = JSON.parse(readFileSync(join(OPS, 'grafana/dashboards/dhanman.json'), 'utf8')) as {
      panels: Panel[];
    };
    expect(dashboard.panels.map((p) => p.title)).toEqual(
      expect.arrayContaining([
        'Inter-service call latency (p95)',
        'Event processing throughput',
        'Failed message count',
        'Circuit breaker trips',
        'Queue depth',
        'Outbox lag',
        'Inbox duplicates',
        'Jobs',
        'Sagas',
      ]),
    );
    const empty = async () => {
      const missing: string[] = [];
      for (const panel of dashboard.panels) {
        for (const t of panel.targets) {
          if ((await prometheus.query(asSent(t.expr))).length === 0)
            missing.push(`${panel.title}: ${t.expr}`);
        }
      }
      return missing;
    };
    let last: string[] = [];
    await waitFor(
      'every panel query to return data',
      async () => {
        last = await empty();
        return last.length === 0;
      },
      45_000,
      1_000,
    ).catch(() => expect(last).toEqual([]));
  }, 150_000);
});
