/**
 * `npm run bench:invoices`: invoices per second end to end over HTTP — created in Sales (checked
 * with Common), posted in Common's ledger, mailed by Notification — measured from the first
 * request until the last ledger posting and the last email are recorded. Twice: on RabbitMQ +
 * PostgreSQL (each service its own process, mail through a real SMTP server on loopback) and on the
 * embedded default (`npm start`'s single process, PGlite + in-process bus, the mailbox).
 * Target: >= 300 invoices/s end to end on RabbitMQ + PostgreSQL on a 2-core machine.
 * BENCH_INVOICES, BENCH_EMBEDDED_INVOICES, BENCH_CONCURRENCY, BENCH_EMBEDDED_CONCURRENCY and
 * BENCH_CUSTOMERS change the load.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BENCH_SETTINGS, startPostgres, startRabbit } from '../test/harness/servers.js';
import { DEFAULT_DEMO_PASSWORD } from '#contracts/demo.js';
import { launchDistributed, launchEmbedded, type Launched } from './launch.js';
import { cpuPerItem, sampleCpu } from './invoices/cpu.js';
import { runInvoices, type RunResult } from './invoices/load.js';
import { startOtlpSink } from './otlp-sink.js';
import { startSmtpSink } from './rig.js';

const num = (name: string, def: number) => Number(process.env[name] ?? def);
const invoices = num('BENCH_INVOICES', 3000);
const embeddedInvoices = num('BENCH_EMBEDDED_INVOICES', 1000);
const concurrency = num('BENCH_CONCURRENCY', 64);
// One process with one embedded connection: more requests in flight only queue longer.
const embeddedConcurrency = num('BENCH_EMBEDDED_CONCURRENCY', 16);
const customers = num('BENCH_CUSTOMERS', 50);
const password = process.env.DHANMAN_DEMO_PASSWORD ?? DEFAULT_DEMO_PASSWORD;
/** BENCH_TRACING=off skips the runs with tracing exporting to an OTLP collector. */
const tracingRuns = process.env.BENCH_TRACING !== 'off';

const baseEnv: Record<string, string | undefined> = {
  ...process.env,
  LOG_LEVEL: 'warn',
  // Throughput is measured here, not the per-caller limits (one client sends everything).
  RATE_LIMIT_ENABLED: process.env.RATE_LIMIT_ENABLED ?? 'false',
  DHANMAN_DEMO_PASSWORD: password,
};

async function measure(
  label: string,
  launch: () => Promise<Launched>,
  n: number,
  concurrency: number,
): Promise<RunResult> {
  const system = await launch();
  try {
    // Warm-up: JIT, connection pools, token caches and the month's counter row.
    await runInvoices(system.urls, {
      invoices: Math.min(200, n),
      concurrency,
      customers: Math.min(customers, 10),
      password,
    });
    const before = sampleCpu(postgres.dir);
    const result = await runInvoices(system.urls, { invoices: n, concurrency, customers, password });
    const cpu = cpuPerItem(before, sampleCpu(postgres.dir), result.invoices);
    print(label, result);
    if (cpu.length > 0) {
      const total = cpu.reduce((t, [, ms]) => t + ms, 0);
      console.log(
        `  CPU per invoice: ${total.toFixed(1)} ms (${cpu.map(([g, ms]) => `${g} ${ms.toFixed(1)}`).join(', ')})`,
      );
    }
    return result;
  } finally {
    await system.stop();
  }
}

function print(label: string, r: RunResult): void {
  console.log(
    `${label.padEnd(40)} ${r.endToEndPerSecond.toFixed(0).padStart(6)} invoices/s end to end ` +
      `(${r.invoices} in ${r.endToEndSeconds.toFixed(2)} s; HTTP ${r.httpPerSecond.toFixed(0)}/s, ` +
      `latency p50 ${r.latencyMs.p50.toFixed(1)} ms p95 ${r.latencyMs.p95.toFixed(1)} ms p99 ${r.latencyMs.p99.toFixed(1)} ms; ` +
      `${r.errors} errors; concurrency ${r.concurrency})`,
  );
  console.log(
    `  done after: HTTP ${r.httpSeconds.toFixed(2)} s, ledger ${r.ledgerSeconds.toFixed(2)} s, mail ${r.mailSeconds.toFixed(2)} s`,
  );
}

const postgres = await startPostgres({ settings: BENCH_SETTINGS });
const rabbit = await startRabbit();
const sink = await startSmtpSink();
const otlp = await startOtlpSink();
const traced = { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint };
const dataDir = mkdtempSync(path.join(tmpdir(), 'dhanman-bench-invoices-'));
try {
  console.log(
    `PostgreSQL settings: ${JSON.stringify(postgres.settings)}; RabbitMQ: ${process.env.BUS_QUEUE_TYPE ?? 'quorum'} queues; ` +
      `SMTP pool ${process.env.SMTP_POOL_SIZE ?? '16'} connections (RabbitMQ + PostgreSQL run)`,
  );
  const distributedEnv = (extra: Record<string, string>) => ({
    ...baseEnv,
    ...extra,
    DATABASE_URL: postgres.url,
    AMQP_URL: rabbit.url,
    DATABASE_PREFIX: `bench${Date.now().toString(36)}`,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    // As many SMTP connections as message handlers run at once (the default 5 suits a provider's limits).
    SMTP_POOL_SIZE: process.env.SMTP_POOL_SIZE ?? '16',
  });
  const distributed = await measure(
    'RabbitMQ + PostgreSQL (3 processes)',
    () => launchDistributed(distributedEnv({})),
    invoices,
    concurrency,
  );
  console.log(`SMTP server received ${sink.received()} mails`);
  const distributedTraced = tracingRuns
    ? await measure(
        'RabbitMQ + PostgreSQL, tracing exporting',
        () => launchDistributed(distributedEnv(traced)),
        invoices,
        concurrency,
      )
    : undefined;
  const embedded = await measure(
    'embedded default (1 process, mailbox)',
    () => launchEmbedded({ ...baseEnv, DHANMAN_DATA_DIR: dataDir }),
    embeddedInvoices,
    embeddedConcurrency,
  );
  const embeddedTraced = tracingRuns
    ? await measure(
        'embedded default, tracing exporting',
        () => launchEmbedded({ ...baseEnv, ...traced, DHANMAN_DATA_DIR: `${dataDir}-traced` }),
        embeddedInvoices,
        embeddedConcurrency,
      )
    : undefined;
  const spans = await otlp.spans();
  if (distributedTraced && embeddedTraced) {
    const share = (on: RunResult, off: RunResult) =>
      `${Math.round((on.endToEndPerSecond / off.endToEndPerSecond) * 100)}%`;
    console.log(
      `tracing exporting over OTLP (${spans} spans): RabbitMQ + PostgreSQL at ${share(distributedTraced, distributed)}, ` +
        `embedded at ${share(embeddedTraced, embedded)} of the rate with it off (target >= 90%)`,
    );
  }
  const round = (x: number) => Math.round(x * 10) / 10;
  const round2 = (x: number) => Math.round(x * 100) / 100;
  console.log(
    `target >= 300 invoices/s end to end on RabbitMQ + PostgreSQL: ${distributed.endToEndPerSecond >= 300 ? 'met' : 'MISSED'}`,
  );
  console.log(
    JSON.stringify({
      rabbitPostgres: round(distributed.endToEndPerSecond),
      embedded: round(embedded.endToEndPerSecond),
      rabbitPostgresHttp: round(distributed.httpPerSecond),
      embeddedHttp: round(embedded.httpPerSecond),
      rabbitPostgresP99Ms: round(distributed.latencyMs.p99),
      embeddedP99Ms: round(embedded.latencyMs.p99),
      ...(distributedTraced && embeddedTraced
        ? {
            rabbitPostgresTraced: round(distributedTraced.endToEndPerSecond),
            embeddedTraced: round(embeddedTraced.endToEndPerSecond),
            tracingOnVsOff: {
              rabbitPostgres: round2(distributedTraced.endToEndPerSecond / distributed.endToEndPerSecond),
              embedded: round2(embeddedTraced.endToEndPerSecond / embedded.endToEndPerSecond),
            },
            tracedSpans: spans,
          }
        : {}),
      invoices: { rabbitPostgres: distributed.invoices, embedded: embedded.invoices },
      concurrency: { rabbitPostgres: concurrency, embedded: embeddedConcurrency },
    }),
  );
} finally {
  await sink.close();
  await otlp.close();
  await rabbit.stop();
  await postgres.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(`${dataDir}-traced`, { recursive: true, force: true });
}
