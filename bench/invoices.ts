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
import { DEFAULT_DEMO_PASSWORD } from '#contracts/demo.js';
import { launchDistributed, launchEmbedded, type Launched } from './launch.js';
import { cpuPerItem, sampleCpu } from './invoices/cpu.js';
import { runInvoices, type RunResult } from './invoices/load.js';
import { flowEnv } from './load/flow-run.js';
import { startBenchServers } from './load/servers.js';
import { startOtlpSink } from './otlp-sink.js';
import { tracingShareInDir } from './tracing-share.js';

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
/** The shares of traces kept in the tracing runs: every one, and what ops/ recommends for production. */
const traceRatios = (process.env.BENCH_TRACE_RATIOS ?? '1,0.1').split(',').map(Number);

const baseEnv = flowEnv(password);

interface Measured extends RunResult {
  /** CPU time of the system's processes per invoice (ms), summed over them. */
  cpuMsPerInvoice: number;
  /** The same for the services' own processes only: where tracing runs. */
  serviceCpuMsPerInvoice: number;
}

/** Two runs of one variant as one: their mean rate and CPU. */
function meanOf(a: Measured, b: Measured): Measured {
  const mean = (f: (m: Measured) => number) => (f(a) + f(b)) / 2;
  return {
    ...a,
    endToEndPerSecond: mean((m) => m.endToEndPerSecond),
    httpPerSecond: mean((m) => m.httpPerSecond),
    cpuMsPerInvoice: mean((m) => m.cpuMsPerInvoice),
    serviceCpuMsPerInvoice: mean((m) => m.serviceCpuMsPerInvoice),
  };
}

async function measure(
  label: string,
  launch: () => Promise<Launched>,
  n: number,
  concurrency: number,
): Promise<Measured> {
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
    const total = cpu.reduce((t, [, ms]) => t + ms, 0);
    const services = cpu
      .filter(([g]) => g.startsWith('service ') || g.startsWith('embedded'))
      .reduce((t, [, ms]) => t + ms, 0);
    if (cpu.length > 0) {
      console.log(
        `  CPU per invoice: ${total.toFixed(1)} ms (${cpu.map(([g, ms]) => `${g} ${ms.toFixed(1)}`).join(', ')})`,
      );
    }
    return { ...result, cpuMsPerInvoice: total, serviceCpuMsPerInvoice: services };
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

const servers = await startBenchServers();
const { postgres, sink } = servers;
const otlp = await startOtlpSink();
const traced = (ratio: number) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: String(ratio),
});
const kept = (ratio: number) => `${Math.round(ratio * 100)}% of traces kept`;
const dataDir = mkdtempSync(path.join(tmpdir(), 'dhanman-bench-invoices-'));
try {
  console.log(
    `PostgreSQL settings: ${JSON.stringify(postgres.settings)}; RabbitMQ: ${process.env.BUS_QUEUE_TYPE ?? 'quorum'} queues; ` +
      `SMTP pool ${process.env.SMTP_POOL_SIZE ?? '16'} connections (RabbitMQ + PostgreSQL run)`,
  );
  const distributedEnv = (extra: Record<string, string>) => ({
    ...baseEnv,
    ...extra,
    ...servers.env(`bench${Date.now().toString(36)}`),
  });
  const distributed = await measure(
    'RabbitMQ + PostgreSQL (3 processes)',
    () => launchDistributed(distributedEnv({})),
    invoices,
    concurrency,
  );
  console.log(`SMTP server received ${sink.received()} mails`);
  // What tracing off costs: its code's share of the CPU samples of the three processes, profiled.
  const profiles = mkdtempSync(path.join(tmpdir(), 'dhanman-bench-profiles-'));
  let offShare: number | undefined;
  if (tracingRuns) {
    await measure(
      'RabbitMQ + PostgreSQL, tracing off, profiled',
      () => launchDistributed(distributedEnv({}), undefined, ['--cpu-prof', `--cpu-prof-dir=${profiles}`]),
      Math.min(invoices, 1000),
      concurrency,
    );
    offShare = tracingShareInDir(profiles);
    console.log(
      `  tracing off: its code's share of the CPU samples ${(offShare * 100).toFixed(2)}% (target <= 2%)`,
    );
  }
  rmSync(profiles, { recursive: true, force: true });
  const distributedTraced: Measured[] = [];
  for (const ratio of tracingRuns ? traceRatios : []) {
    distributedTraced.push(
      await measure(
        `RabbitMQ + PostgreSQL, tracing, ${kept(ratio)}`,
        () => launchDistributed(distributedEnv(traced(ratio))),
        invoices,
        concurrency,
      ),
    );
  }
  // Each variant runs on the same PostgreSQL and RabbitMQ, which fill with every run's databases
  // and queues and grow slower: tracing off once more after the traced runs, and the two averaged,
  // keeps that drift out of the comparison (the traced runs sit between them).
  const distributedOff = tracingRuns
    ? meanOf(
        distributed,
        await measure(
          'RabbitMQ + PostgreSQL, tracing off again',
          () => launchDistributed(distributedEnv({})),
          invoices,
          concurrency,
        ),
      )
    : distributed;
  const embedded = await measure(
    'embedded default (1 process, mailbox)',
    () => launchEmbedded({ ...baseEnv, DHANMAN_DATA_DIR: dataDir }),
    embeddedInvoices,
    embeddedConcurrency,
  );
  const embeddedTraced: Measured[] = [];
  for (const [i, ratio] of (tracingRuns ? traceRatios : []).entries()) {
    embeddedTraced.push(
      await measure(
        `embedded default, tracing, ${kept(ratio)}`,
        () => launchEmbedded({ ...baseEnv, ...traced(ratio), DHANMAN_DATA_DIR: `${dataDir}-traced${i}` }),
        embeddedInvoices,
        embeddedConcurrency,
      ),
    );
  }
  // The same bracket as the distributed runs': off before and after the traced runs, averaged.
  const embeddedOff = tracingRuns
    ? meanOf(
        embedded,
        await measure(
          'embedded default, tracing off again',
          () => launchEmbedded({ ...baseEnv, DHANMAN_DATA_DIR: `${dataDir}-again` }),
          embeddedInvoices,
          embeddedConcurrency,
        ),
      )
    : embedded;
  const spans = await otlp.spans();
  const round = (x: number) => Math.round(x * 10) / 10;
  const round2 = (x: number) => Math.round(x * 100) / 100;
  // CPU: the services' processes, where tracing runs (PostgreSQL's and RabbitMQ's work is the same
  // with it on; their CPU is printed with each run).
  const cost = (on: Measured, off: Measured) => ({
    rate: round2(on.endToEndPerSecond / off.endToEndPerSecond),
    cpu: round2(on.serviceCpuMsPerInvoice / off.serviceCpuMsPerInvoice),
    cpuAllProcesses: round2(on.cpuMsPerInvoice / off.cpuMsPerInvoice),
  });
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const signed = (x: number) => `${x >= 0 ? '+' : ''}${pct(x)}`;
  for (const [i, ratio] of (tracingRuns ? traceRatios : []).entries()) {
    const d = cost(distributedTraced[i]!, distributedOff);
    const e = cost(embeddedTraced[i]!, embeddedOff);
    console.log(
      `tracing exporting over OTLP, ${kept(ratio)}: RabbitMQ + PostgreSQL at ${pct(d.rate)} of the rate with it off ` +
        `(mean of the two runs), services' CPU per invoice ${signed(d.cpu - 1)} (all processes ${signed(d.cpuAllProcesses - 1)}); ` +
        `embedded at ${pct(e.rate)}, CPU ${signed(e.cpu - 1)} (target: cost <= 10%)`,
    );
  }
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
      rabbitPostgresCpuMsPerInvoice: round2(distributed.cpuMsPerInvoice),
      embeddedCpuMsPerInvoice: round2(embedded.cpuMsPerInvoice),
      ...(offShare === undefined ? {} : { tracingOffCpuShare: Math.round(offShare * 1000) / 1000 }),
      tracing: (tracingRuns ? traceRatios : []).map((ratio, i) => ({
        ratio,
        rabbitPostgres: round(distributedTraced[i]!.endToEndPerSecond),
        embedded: round(embeddedTraced[i]!.endToEndPerSecond),
        onVsOff: {
          rabbitPostgres: cost(distributedTraced[i]!, distributedOff),
          embedded: cost(embeddedTraced[i]!, embeddedOff),
        },
      })),
      tracedSpans: spans,
      invoices: { rabbitPostgres: distributed.invoices, embedded: embedded.invoices },
      concurrency: { rabbitPostgres: concurrency, embedded: embeddedConcurrency },
    }),
  );
} finally {
  await otlp.close();
  await servers.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(`${dataDir}-again`, { recursive: true, force: true });
  for (const i of traceRatios.keys()) rmSync(`${dataDir}-traced${i}`, { recursive: true, force: true });
}
