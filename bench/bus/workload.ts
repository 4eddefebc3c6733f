import { randomUUID } from 'node:crypto';
import { percentile } from '../latency.js';

/** One way of moving messages through RabbitMQ: raw amqplib, the bus transport, or rascal. */
export interface Subject {
  readonly name: string;
  /** Declares its queue (empty) for one phase. */
  setup(): Promise<void>;
  /** Resolves once the broker confirmed every message (each subject pipelines its own way). */
  publish(bodies: string[]): Promise<void>;
  /** Starts consuming with prefetch 100; `onMessage` runs for each delivery, then it is acked. */
  consume(onMessage: (body: Buffer) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface Rates {
  publish: number;
  consume: number;
  p50Ms: number;
  p99Ms: number;
  latencyRate: number;
}

/** The clock shared by publisher and consumer (one process): milliseconds, sub-millisecond precision. */
export const nowMs = () => performance.timeOrigin + performance.now();

/** A realistic envelope (~400 bytes) whose payload carries the time it was handed to the publisher. */
export function envelopeBody(n: number, sentAt = 0): string {
  return JSON.stringify({
    messageId: randomUUID(),
    type: 'bench.thing-happened',
    version: 1,
    correlationId: randomUUID(),
    causationId: null,
    organizationId: '7d0b2a8e-3f4e-4c51-9a57-1b2c3d4e5f60',
    companyId: '0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f',
    source: 'bench',
    occurredAt: new Date().toISOString(),
    payload: { n, sentAt, note: 'monthly maintenance charge for unit A-101' },
  });
}

const sentAtOf = (body: Buffer): number =>
  (JSON.parse(body.toString('utf8')) as { payload: { sentAt: number } }).payload.sentAt;

/** Calls `fn` until the count reaches `total`, then resolves; rejects after `timeoutMs`. */
export function counter(total: number, timeoutMs: number, what: string) {
  let n = 0;
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  const timer = setTimeout(
    () => reject(new Error(`${what}: only ${n} of ${total} after ${timeoutMs} ms`)),
    timeoutMs,
  );
  return {
    done: done.finally(() => clearTimeout(timer)),
    hit() {
      if (++n === total) resolve();
    },
    get count() {
      return n;
    },
  };
}

/**
 * Publishes at a steady `rate` (a slice every 10 ms, slices not waiting for each other's confirms)
 * and returns when `count` messages were handed to `publish`.
 */
export async function pacedPublish(
  count: number,
  rate: number,
  publish: (startIndex: number, size: number) => Promise<void>,
): Promise<void> {
  const tickMs = 10;
  const start = nowMs();
  const inFlight: Promise<void>[] = [];
  let sent = 0;
  while (sent < count) {
    const due = Math.min(count, Math.floor(((nowMs() - start) / 1000) * rate) + 1);
    if (due > sent) {
      inFlight.push(publish(sent, due - sent));
      sent = due;
    }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  await Promise.all(inFlight);
}

/** Publish rate, consume rate, then latency with both running at about half the slower rate. */
export async function measureSubject(subject: Subject, n: number, latencyCount: number): Promise<Rates> {
  await subject.setup();
  const bodies = Array.from({ length: n }, (_, i) => envelopeBody(i));
  const p0 = nowMs();
  await subject.publish(bodies);
  const publish = n / ((nowMs() - p0) / 1000);

  const drained = counter(n, 120_000, `${subject.name} consume`);
  const c0 = nowMs();
  let stop = await subject.consume(() => drained.hit());
  await drained.done;
  const consume = n / ((nowMs() - c0) / 1000);
  await stop();

  const latencyRate = Math.round(Math.min(publish, consume) / 2);
  const latencies: number[] = [];
  const received = counter(latencyCount, 120_000, `${subject.name} latency run`);
  stop = await subject.consume((body) => {
    latencies.push(nowMs() - sentAtOf(body));
    received.hit();
  });
  await pacedPublish(latencyCount, latencyRate, (start, size) =>
    subject.publish(Array.from({ length: size }, (_, i) => envelopeBody(start + i, nowMs()))),
  );
  await received.done;
  await stop();
  latencies.sort((a, b) => a - b);
  return {
    publish,
    consume,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    latencyRate,
  };
}

/**
 * Publishes `bodies` keeping at most `window` unconfirmed, as a publisher with confirms should;
 * `send` publishes one body and calls `confirmed` or `failed` when the broker answers.
 */
export function publishWithWindow(
  bodies: string[],
  window: number,
  send: (body: string, confirmed: () => void, failed: (err: unknown) => void) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let next = 0;
    let confirmed = 0;
    const sendMore = () => {
      while (next < bodies.length && next - confirmed < window) {
        send(
          bodies[next++]!,
          () => {
            if (++confirmed === bodies.length) resolve();
            else sendMore();
          },
          reject,
        );
      }
    };
    if (bodies.length === 0) resolve();
    else sendMore();
  });
}
