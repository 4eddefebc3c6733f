import type { EndToEndResult } from './end-to-end.js';
import type { Rates } from './workload.js';

export interface Traced {
  /** The share of traces kept (parent-based trace-id ratio sampling). */
  ratio: number;
  e2e: EndToEndResult;
  spans: number;
  /** The off runs on either side of this one, averaged: what it is compared with. */
  offBeside: Pick<EndToEndResult, 'deliveredRate' | 'cpuMsPerEvent'>;
}

export function meanOf(
  a: EndToEndResult,
  b: EndToEndResult,
): Pick<EndToEndResult, 'deliveredRate' | 'cpuMsPerEvent'> {
  return {
    deliveredRate: (a.deliveredRate + b.deliveredRate) / 2,
    cpuMsPerEvent: (a.cpuMsPerEvent + b.cpuMsPerEvent) / 2,
  };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => `${n.toFixed(1)} ms`;
const pct = (n: number) => `${Math.round(n * 100)}%`;
const signed = (n: number) => `${n >= 0 ? '+' : ''}${pct(n)}`;
const cpuMs = (n: number) => `${n.toFixed(3)} ms`;
const round3 = (n: number) => Math.round(n * 1000) / 1000;

export interface BusFigures {
  raw: Rates;
  bus: Rates;
  peer: Rates;
  e2e: EndToEndResult;
  /** (c) with a handler that sends its row with the COMMIT instead of awaiting its write. */
  withCommit: EndToEndResult;
  /** (c) with tracing off again, after each traced run. */
  offAgain: EndToEndResult[];
  traced: Traced[];
  offShare: number | undefined;
  sdkSpanMs: number | undefined;
  pgSettings: Readonly<Record<string, string | number>>;
  machine: string;
  seconds: number;
  queueType: string;
  rounds: number;
}

/** Prints the table, the ratios against the targets and, last, one JSON object. */
export function report(f: BusFigures): void {
  const { raw, bus, peer, e2e, offAgain, traced, offShare, sdkSpanMs, pgSettings, machine, seconds } = f;
  const { queueType } = f;
  // A message's rate through a path is bounded by its slower half.
  const through = (r: Rates) => Math.min(r.publish, r.consume);
  const e2eRow = (label: string, r: EndToEndResult) => [
    label,
    int(r.writeRate),
    int(r.deliveredRate),
    `${int(r.latencyRate)}/s`,
    ms(r.p50Ms),
    ms(r.p99Ms),
    cpuMs(r.cpuMsPerEvent),
  ];
  const rows: string[][] = [
    ['phase', 'publish msg/s', 'consume msg/s', 'latency at', 'p50', 'p99', 'CPU/event'],
    [
      '(a) raw amqplib',
      int(raw.publish),
      int(raw.consume),
      `${int(raw.latencyRate)}/s`,
      ms(raw.p50Ms),
      ms(raw.p99Ms),
      '',
    ],
    [
      '(b) bus transport',
      int(bus.publish),
      int(bus.consume),
      `${int(bus.latencyRate)}/s`,
      ms(bus.p50Ms),
      ms(bus.p99Ms),
      '',
    ],
    e2eRow('(c) end to end', e2e),
    e2eRow('(c) row written with the COMMIT', f.withCommit),
    // In the order they ran: each traced run, then tracing off again.
    ...traced.flatMap((t, i) => [
      e2eRow(`(c) tracing, ${pct(t.ratio)} kept`, t.e2e),
      ...(offAgain[i] ? [e2eRow('(c) tracing off again', offAgain[i])] : []),
    ]),
    [
      '(d) rascal (peer)',
      int(peer.publish),
      int(peer.consume),
      `${int(peer.latencyRate)}/s`,
      ms(peer.p50Ms),
      ms(peer.p99Ms),
      '',
    ],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [
    '',
    `bus benchmark: ${queueType} queues, persistent messages, publisher confirms, prefetch 100 (best of ${f.rounds} rounds for a, b, d)`,
    `(c): ${e2e.description}`,
    '',
    line(rows[0]!),
    ...rows.slice(1).map(line),
    '',
    `(b)/(a): publish ${pct(bus.publish / raw.publish)}, consume ${pct(bus.consume / raw.consume)}, through ${pct(through(bus) / through(raw))} (target >= 70%)`,
    `(b)/(d): publish ${pct(bus.publish / peer.publish)}, consume ${pct(bus.consume / peer.consume)}, through ${pct(through(bus) / through(peer))} (target > 100%)`,
    `(c)/(a): ${pct(e2e.deliveredRate / through(raw))} (events delivered to both services per second vs raw messages per second)`,
    `(c) target: >= 2,000 events/s to both services: ${int(e2e.deliveredRate)}; p99 < 250 ms at half rate: ${ms(e2e.p99Ms)}`,
    ...traced.map(
      (t) =>
        `(c) tracing exporting over OTLP, ${pct(t.ratio)} of traces kept (${int(t.spans)} spans): ` +
        `rate ${pct(t.e2e.deliveredRate / t.offBeside.deliveredRate)} of off; CPU per event ${signed(t.e2e.cpuMsPerEvent / t.offBeside.cpuMsPerEvent - 1)} ` +
        `(off: the mean of the off runs before and after it; target: cost <= 10%)`,
    ),
    ...(sdkSpanMs === undefined
      ? []
      : traced.map((t) => {
          const perEvent = t.spans / t.e2e.totalEvents;
          const floor = sdkSpanMs * perEvent;
          return (
            `(c) the OpenTelemetry SDK alone: ${cpuMs(sdkSpanMs)} CPU per span; ${pct(t.ratio)} kept = ` +
            `${perEvent.toFixed(1)} spans per event = ${cpuMs(floor)} per event at the least ` +
            `(+${pct(floor / t.offBeside.cpuMsPerEvent)} of the event's CPU with tracing off)`
          );
        })),
    ...(offShare === undefined
      ? []
      : [
          `(c) tracing off: its code's share of the process's CPU samples ${(offShare * 100).toFixed(2)}% (target <= 2%)`,
        ]),
    `PostgreSQL settings: ${Object.entries(pgSettings)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    `machine: ${machine}; took ${seconds.toFixed(0)} s`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  const json = {
    queueType,
    rawPublish: Math.round(raw.publish),
    rawConsume: Math.round(raw.consume),
    bus: Math.round(through(bus)),
    busPublish: Math.round(bus.publish),
    busConsume: Math.round(bus.consume),
    peer: Math.round(through(peer)),
    peerPublish: Math.round(peer.publish),
    peerConsume: Math.round(peer.consume),
    endToEnd: Math.round(e2e.deliveredRate),
    endToEndP50Ms: round1(e2e.p50Ms),
    endToEndP99Ms: round1(e2e.p99Ms),
    endToEndLatencyRate: Math.round(e2e.latencyRate),
    endToEndCpuMsPerEvent: round3(e2e.cpuMsPerEvent),
    endToEndWithCommit: Math.round(f.withCommit.deliveredRate),
    endToEndOffAgain: offAgain.map((r) => Math.round(r.deliveredRate)),
    ...(offShare === undefined ? {} : { tracingOffCpuShare: round3(offShare) }),
    ...(sdkSpanMs === undefined ? {} : { sdkCpuMsPerSpan: Math.round(sdkSpanMs * 10_000) / 10_000 }),
    tracing: traced.map((t) => ({
      ratio: t.ratio,
      endToEnd: Math.round(t.e2e.deliveredRate),
      p99Ms: round1(t.e2e.p99Ms),
      spans: t.spans,
      cpuMsPerEvent: round3(t.e2e.cpuMsPerEvent),
      rateOnVsOff: round2(t.e2e.deliveredRate / t.offBeside.deliveredRate),
      cpuOnVsOff: round2(t.e2e.cpuMsPerEvent / t.offBeside.cpuMsPerEvent),
    })),
    busVsRaw: round2(through(bus) / through(raw)),
    busVsPeer: round2(through(bus) / through(peer)),
    endToEndVsRaw: round2(e2e.deliveredRate / through(raw)),
    rawP99Ms: round1(raw.p99Ms),
    busP99Ms: round1(bus.p99Ms),
    peerP99Ms: round1(peer.p99Ms),
    postgres: pgSettings,
    machine,
  };
  process.stdout.write(`${JSON.stringify(json)}\n`);
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;
