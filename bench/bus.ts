/**
 * `npm run bench:bus`: the bus on RabbitMQ + PostgreSQL (both started here through the test
 * harness), in one process. (a) raw amqplib, the ceiling; (b) the bus's transport alone;
 * (c) end to end: outbox -> relay -> two consuming services, each handler writing a row with its
 * inbox record (once more with the row sent with the COMMIT, as the services' acknowledgements
 * now are, for comparison); (d) rascal, the peer, with (b)'s workload. Prints a table, the ratios, and as the
 * last line one JSON object. Targets (2 cores): (b) >= 70% of (a) and faster than (d);
 * (c) >= 2,000 events/s to both services; p99 end to end < 250 ms at half that rate.
 */
import { cpus, loadavg } from 'node:os';
import {
  BENCH_SETTINGS,
  startPostgres,
  startRabbit,
  type PostgresServer,
  type RabbitServer,
} from '../test/harness/servers.js';
import { startTracing } from '#platform/observability/tracing-sdk.js';
import { busTransport } from './bus/bus-transport.js';
import { benchDatabaseUrl } from './load/servers.js';
import { sdkCpuMsPerSpan } from './bus/span-floor.js';
import { startOtlpSink } from './otlp-sink.js';
import { measureEndToEnd, type EndToEndResult } from './bus/end-to-end.js';
import { bracketed } from './tracing-bracket.js';
import { tracingShareOf } from './tracing-share.js';
import { rascalSubject } from './bus/rascal.js';
import { rawAmqplib } from './bus/raw-amqplib.js';
import { measureSubject, type Rates, type Subject } from './bus/workload.js';
import { meanOf, report, type Traced } from './bus/report.js';

const N = Number(process.env.BENCH_BUS_MESSAGES ?? 30_000);
const LATENCY_N = Number(process.env.BENCH_BUS_LATENCY_MESSAGES ?? 10_000);
const E2E_N = Number(process.env.BENCH_BUS_E2E_EVENTS ?? 10_000);
// BENCH_BUS_E2E_EVENTS_PER_TX (default 1) sets how many events each producer transaction writes.
const ROUNDS = Number(process.env.BENCH_BUS_ROUNDS ?? 2);
const queueType = (process.env.BENCH_BUS_QUEUE_TYPE ?? 'quorum') as 'quorum' | 'classic';
/** BENCH_TRACING=off skips (c) with tracing exporting to an OTLP collector. */
const TRACING = process.env.BENCH_TRACING !== 'off';
/** The head-sampling share of the sampled variant (what ops/ recommends for production). */
const SAMPLED_RATIO = Number(process.env.BENCH_TRACE_RATIO ?? 0.1);

/** The best of several rounds for each figure: the machine is shared with the broker and the database. */
function best(runs: Rates[]): Rates {
  const pick = (f: (r: Rates) => number, max: boolean) =>
    runs.map(f).reduce((a, b) => (max ? Math.max(a, b) : Math.min(a, b)));
  return {
    publish: pick((r) => r.publish, true),
    consume: pick((r) => r.consume, true),
    p50Ms: pick((r) => r.p50Ms, false),
    p99Ms: pick((r) => r.p99Ms, false),
    latencyRate: pick((r) => r.latencyRate, true),
  };
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const loadBefore = loadavg()[0]!;
  let rabbit: RabbitServer | undefined;
  let pg: PostgresServer | undefined;
  try {
    [rabbit, pg] = await Promise.all([startRabbit(), startPostgres({ settings: BENCH_SETTINGS })]);
    log(
      `RabbitMQ on :${rabbit.port}, PostgreSQL on :${pg.port}; ${queueType} queues; ${N} messages per phase`,
    );

    const subjects: Subject[] = [
      rawAmqplib(rabbit.url, queueType),
      busTransport(rabbit.url, queueType),
      rascalSubject(rabbit.url, queueType),
    ];
    const runs = new Map<string, Rates[]>();
    for (let round = 1; round <= ROUNDS; round++) {
      // Raw and bus swap places every round, so neither always runs on a cold broker and process.
      const order = round % 2 === 1 ? subjects : [subjects[1]!, subjects[0]!, subjects[2]!];
      for (const s of order) {
        // rascal publishes ~1k msg/s: a sixth of the messages gives its rates in a sixth of the time.
        const share = s.name === 'rascal' ? 6 : 1;
        const r = await measureSubject(s, Math.round(N / share), Math.round(LATENCY_N / share));
        runs.set(s.name, [...(runs.get(s.name) ?? []), r]);
        log(`round ${round} ${s.name}: ${fmtRates(r)}`);
      }
    }
    for (const s of subjects) await s.close();
    const [raw, bus, peer] = subjects.map((s) => best(runs.get(s.name)!)) as [Rates, Rates, Rates];

    // What tracing off costs: its code's share of the CPU samples of a profiled run without it
    // (first: it also warms the process and the servers up for the runs that are compared).
    const warmUp = (what: string) =>
      measureEndToEnd({
        amqpUrl: rabbit!.url,
        databaseUrl: benchDatabaseUrl(pg!),
        queueType,
        events: Math.min(E2E_N, 3_000),
        log: (m) => log(`${what}: ${m}`),
      });
    const offShare = TRACING
      ? await tracingShareOf(() => warmUp('tracing off, profiled').then(() => undefined))
      : // Without it, a plain run warms up instead: (c) must not be the first to run cold.
        await warmUp('warm-up, not counted').then(() => undefined);
    const untraced = (n: number) =>
      measureEndToEnd({
        amqpUrl: rabbit!.url,
        databaseUrl: benchDatabaseUrl(pg!),
        queueType,
        events: E2E_N,
        log: (m) => log(`${n > 0 ? 'tracing off again: ' : ''}${m}`),
      });
    const traceOnce = async (ratio: number) => {
      const sink = await startOtlpSink();
      const tracing = startTracing({
        endpoint: sink.endpoint,
        sampler: 'parentbased_traceidratio',
        samplerRatio: ratio,
      });
      try {
        const e2e = await measureEndToEnd({
          amqpUrl: rabbit!.url,
          databaseUrl: benchDatabaseUrl(pg!),
          queueType,
          events: E2E_N,
          log: (m) => log(`tracing on, ${Math.round(ratio * 100)}% of traces kept: ${m}`),
          traced: true,
        });
        await tracing.shutdown();
        return { e2e, spans: await sink.spans() };
      } finally {
        await tracing.shutdown();
        await sink.close();
      }
    };
    const { offs, brackets } = await bracketed(TRACING ? [1, SAMPLED_RATIO] : [], untraced, traceOnce);
    // The same run with a handler that writes its row with the COMMIT (no round trip of its own).
    const withCommit = await measureEndToEnd({
      amqpUrl: rabbit.url,
      databaseUrl: benchDatabaseUrl(pg),
      queueType,
      events: E2E_N,
      log: (m) => log(`handler writing with the COMMIT: ${m}`),
      handlerWrite: 'with-commit',
    });
    const [e2e, ...offAgain] = offs as [EndToEndResult, ...EndToEndResult[]];
    const traced: Traced[] = brackets.map((b) => ({
      ratio: b.ratio,
      ...b.on,
      offBeside: meanOf(b.before, b.after),
    }));
    // The SDK's own cost per span, measured alone: kept spans per event times it is a floor.
    const sdkSpanMs = TRACING ? await sdkCpuMsPerSpan() : undefined;
    const machine = `${cpus().length} cores, load average ${loadBefore.toFixed(1)} before / ${loadavg()[0]!.toFixed(1)} after`;
    report({
      raw,
      bus,
      peer,
      e2e,
      withCommit,
      offAgain,
      traced,
      offShare,
      sdkSpanMs,
      pgSettings: pg.settings,
      machine,
      seconds: (Date.now() - t0) / 1000,
      queueType,
      rounds: ROUNDS,
    });
  } finally {
    await Promise.allSettled([rabbit?.stop(), pg?.stop()]);
  }
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const fmtRates = (r: Rates) =>
  `publish ${Math.round(r.publish)}/s, consume ${Math.round(r.consume)}/s, p50 ${r.p50Ms.toFixed(1)} ms p99 ${r.p99Ms.toFixed(1)} ms at ${Math.round(r.latencyRate)}/s`;

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `bench:bus failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
