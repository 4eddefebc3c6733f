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
import { bracketed } from './tracing-bracket.js';
import { tracingShareInDir } from './tracing-share.js';

// `-- --cluster`: the same load through the balancer of `npm run cluster`, with 1 and 2 copies.
if (process.argv.includes('--cluster')) {
  await import('./cluster.js');
  process.exit(0);
}

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

/** The headline run (the first with tracing off), and each traced run with the mean of its neighbours. */
async function bracketedRuns(
  off: (n: number) => Promise<Measured>,
  on: (ratio: number, i: number) => Promise<Measured>,
): Promise<{ first: Measured; traced: Measured[]; offBeside: Measured[] }> {
  const { offs, brackets } = await bracketed(tracingRuns ? traceRatios : [], off, on);
  return {
    first: offs[0]!,
    traced: brackets.map((b) => b.on),
    offBeside: brackets.map((b) => meanOf(b.before, b.after)),
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
  // What tracing off costs: its code's share of the CPU samples of the three processes, profiled
  // (first: it also warms the servers up for the runs that are compared).
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
  const distributed = await bracketedRuns(
    (n) =>
      measure(
        `RabbitMQ + PostgreSQL (3 processes)${n > 0 ? ', tracing off again' : ''}`,
        () => launchDistributed(distributedEnv({})),
        invoices,
        concurrency,
      ),
    (ratio) =>
      measure(
        `RabbitMQ + PostgreSQL, tracing, ${kept(ratio)}`,
        () => launchDistributed(distributedEnv(traced(ratio))),
        invoices,
        concurrency,
      ),
  );
  console.log(`SMTP server received ${sink.received()} mails`);
  const embedded = await bracketedRuns(
    (n) =>
      measure(
        `embedded default (1 process, mailbox)${n > 0 ? ', tracing off again' : ''}`,
        () => launchEmbedded({ ...baseEnv, DHANMAN_DATA_DIR: path.join(dataDir, `off${n}`) }),
        embeddedInvoices,
        embeddedConcurrency,
      ),
    (ratio, i) =>
      measure(
        `embedded default, tracing, ${kept(ratio)}`,
        () =>
          launchEmbedded({
            ...baseEnv,
            ...traced(ratio),
            DHANMAN_DATA_DIR: path.join(dataDir, `traced${i}`),
          }),
        embeddedInvoices,
        embeddedConcurrency,
      ),
  );
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
    const d = cost(distributed.traced[i]!, distributed.offBeside[i]!);
    const e = cost(embedded.traced[i]!, embedded.offBeside[i]!);
    console.log(
      `tracing exporting over OTLP, ${kept(ratio)}: RabbitMQ + PostgreSQL at ${pct(d.rate)} of the rate with it off ` +
        `(mean of the off runs before and after it), services' CPU per invoice ${signed(d.cpu - 1)} (all processes ${signed(d.cpuAllProcesses - 1)}); ` +
        `embedded at ${pct(e.rate)}, CPU ${signed(e.cpu - 1)} (target: cost <= 10%)`,
    );
  }
  console.log(
    `target >= 300 invoices/s end to end on RabbitMQ + PostgreSQL: ${distributed.first.endToEndPerSecond >= 300 ? 'met' : 'MISSED'}`,
  );
  console.log(
    JSON.stringify({
      rabbitPostgres: round(distributed.first.endToEndPerSecond),
      embedded: round(embedded.first.endToEndPerSecond),
      rabbitPostgresHttp: round(distributed.first.httpPerSecond),
      embeddedHttp: round(embedded.first.httpPerSecond),
      rabbitPostgresP99Ms: round(distributed.first.latencyMs.p99),
      embeddedP99Ms: round(embedded.first.latencyMs.p99),
      rabbitPostgresCpuMsPerInvoice: round2(distributed.first.cpuMsPerInvoice),
      embeddedCpuMsPerInvoice: round2(embedded.first.cpuMsPerInvoice),
      ...(offShare === undefined ? {} : { tracingOffCpuShare: Math.round(offShare * 1000) / 1000 }),
      tracing: (tracingRuns ? traceRatios : []).map((ratio, i) => ({
        ratio,
        rabbitPostgres: round(distributed.traced[i]!.endToEndPerSecond),
        embedded: round(embedded.traced[i]!.endToEndPerSecond),
        onVsOff: {
          rabbitPostgres: cost(distributed.traced[i]!, distributed.offBeside[i]!),
          embedded: cost(embedded.traced[i]!, embedded.offBeside[i]!),
        },
      })),
      tracedSpans: spans,
      invoices: { rabbitPostgres: distributed.first.invoices, embedded: embedded.first.invoices },
      concurrency: { rabbitPostgres: concurrency, embedded: embeddedConcurrency },
    }),
  );
} finally {
  await otlp.close();
  await servers.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
