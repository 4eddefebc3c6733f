import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '#platform/data/db.js';
import { runMigrations } from '#platform/data/migrate.js';
import { openPostgres } from '#platform/data/postgres.js';
import { on } from '#platform/messaging/bus.js';
import { DEFAULT_BATCH_SIZE } from '#platform/messaging/consumer.js';
import { ContractRegistry, defineEvent } from '#platform/messaging/contract.js';
import { createMessaging, type Messaging } from '#platform/messaging/messaging.js';
import { messagingMigrations } from '#platform/messaging/migrations.js';
import { createRabbitTransport, type RabbitTransport } from '#platform/messaging/rabbitmq/transport.js';
import { DEFAULT_CONCURRENCY } from '#platform/messaging/transport.js';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { runWithContext } from '#platform/observability/context.js';
import { tracedDb } from '#platform/observability/traced-db.js';
import { SpanKind, contextWith, inSpan } from '#platform/observability/tracing.js';
import { percentile } from '../latency.js';
import { counter, nowMs, pacedPublish } from './workload.js';

export interface EndToEndResult {
  description: string;
  /** Events committed to the outbox per second while the system ran flat out. */
  writeRate: number;
  /** Events whose effect was committed in both consuming services, per second. */
  deliveredRate: number;
  latencyRate: number;
  p50Ms: number;
  p99Ms: number;
  /**
   * CPU time of this process (producer, relay, both consumers) per event in the throughput phase:
   * unlike the rates, it barely moves when the machine is busy with other work.
   */
  cpuMsPerEvent: number;
  /** Events written in both phases (what a trace collector receives spans for). */
  totalEvents: number;
}

export interface EndToEndOptions {
  amqpUrl: string;
  databaseUrl: string;
  queueType: 'quorum' | 'classic';
  events: number;
  log: (m: string) => void;
  /** Statement spans around the databases (tracing must be started by the caller). */
  traced?: boolean;
  /**
   * How the consuming handler writes its row: awaited, a statement of its own (the default, the
   * bench's workload from the start), or with the transaction's COMMIT (`Tx.beforeCommit`, as the
   * services' acknowledgement and activity writes now are: nothing in the handler reads it back).
   */
  handlerWrite?: 'with-commit' | 'awaited';
}

const WRITERS = Number(process.env.BENCH_BUS_E2E_WRITERS ?? 16);
/** Handlers at once per consuming service (default: the bus's). */
const CONCURRENCY = Number(process.env.BENCH_BUS_E2E_CONCURRENCY ?? DEFAULT_CONCURRENCY);
/** Messages whose handlers commit in one transaction (default: the bus's; 1 = one each). */
const BATCH_SIZE = Number(process.env.BENCH_BUS_E2E_BATCH ?? DEFAULT_BATCH_SIZE);
/** Events per producer transaction (1 = every business operation publishes one event). */
const EVENTS_PER_TX = Number(process.env.BENCH_BUS_E2E_EVENTS_PER_TX ?? 1);

const thingHappened = defineEvent({
  type: 'bench.thing-happened',
  version: 1,
  schema: z.object({ n: z.number().int(), sentAt: z.number(), note: z.string() }),
});
const registry = new ContractRegistry([thingHappened]);
const org = randomUUID();
const company = randomUUID();

interface Node {
  db: Db;
  transport: RabbitTransport;
  messaging: Messaging;
}

/**
 * (c) Events written to the producer's outbox (one per transaction, 16 writers), relayed to
 * RabbitMQ, consumed by two services whose handler writes one row in the same transaction as its
 * inbox record. Each service has its own database and its own connections, as separate processes
 * would. Throughput first (everything flat out), then latency at half that rate: from the start of
 * the producer's transaction to the commit of the consumer's effect, over both consumers.
 */
export async function measureEndToEnd(o: EndToEndOptions): Promise<EndToEndResult> {
  const prefix = `bench${randomUUID().slice(0, 6)}`;
  const handlerWrite = o.handlerWrite ?? 'awaited';
  let onEffect: (latencyMs: number) => void = () => undefined;

  const startNode = async (service: string, consumes: boolean): Promise<Node> => {
    const opened = await openPostgres({
      serverUrl: o.databaseUrl,
      service,
      databasePrefix: prefix,
      poolSize: Math.max(WRITERS, CONCURRENCY) + 4,
    });
    const db = o.traced ? tracedDb(opened) : opened;
    await runMigrations(db, [messagingMigrations]);
    await db.exec(`CREATE TABLE IF NOT EXISTS bench_effect (message_id uuid PRIMARY KEY, n int NOT NULL)`);
    const transport = await createRabbitTransport({ url: o.amqpUrl, queueType: o.queueType, name: service });
    const effect = `INSERT INTO bench_effect (message_id, n) VALUES ($1, $2)`;
    const handlers = consumes
      ? [
          on(thingHappened, `${service}.record`, async (m, tx) => {
            const params = [m.messageId, m.payload.n];
            if (handlerWrite === 'awaited') await tx.query(effect, params);
            else tx.beforeCommit(() => ({ sql: effect, params }));
            const sentAt = m.payload.sentAt;
            tx.afterCommit(() => onEffect(nowMs() - sentAt));
          }),
        ]
      : [];
    const messaging = createMessaging({
      service,
      db,
      transport,
      registry,
      handlers,
      prefetch: 100,
      concurrency: CONCURRENCY,
      batchSize: BATCH_SIZE,
    });
    await messaging.start();
    return { db, transport, messaging };
  };

  const nodes = [
    await startNode('producer', false),
    await startNode('ledger', true),
    await startNode('mailer', true),
  ];
  const producer = nodes[0]!;
  const writeTx = async (n: number, correlationId: string) => {
    await producer.db.transaction(async (tx) => {
      for (let i = 0; i < EVENTS_PER_TX; i++) {
        await producer.messaging.bus.publish(
          tx,
          thingHappened,
          { n: n + i, sentAt: nowMs(), note: 'monthly maintenance charge for unit A-101' },
          { organizationId: org, companyId: company, correlationId },
        );
      }
    });
  };
  // Traced, each write is one operation with its own root span, as a request or a job is in a
  // service: its statements and publishes are that trace's children, kept or dropped with it.
  const write = async (n: number) => {
    const correlationId = randomUUID();
    if (!o.traced) return writeTx(n, correlationId);
    await inSpan('producer', 'bench write', { kind: SpanKind.INTERNAL }, (span) =>
      runWithContext({ correlationId, trace: contextWith(span, ROOT_CONTEXT) }, () =>
        writeTx(n, correlationId),
      ),
    );
  };

  try {
    // Throughput: WRITERS concurrent writers, as fast as the database lets them.
    const effects = counter(o.events * 2, 180_000, 'end-to-end delivery');
    onEffect = () => effects.hit();
    const t0 = nowMs();
    const cpu0 = process.cpuUsage();
    let next = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        while (next < o.events) {
          const n = next;
          next += EVENTS_PER_TX;
          await write(n);
        }
      }),
    );
    const writeRate = o.events / ((nowMs() - t0) / 1000);
    await effects.done;
    const deliveredRate = o.events / ((nowMs() - t0) / 1000);
    const cpu = process.cpuUsage(cpu0);
    const cpuMsPerEvent = (cpu.user + cpu.system) / 1000 / o.events;
    o.log(`end to end: wrote ${Math.round(writeRate)}/s, delivered to both ${Math.round(deliveredRate)}/s`);

    // Latency at half the delivered rate.
    const latencyRate = Math.round(deliveredRate / 2);
    const latencyTxs = Math.ceil(Math.min(o.events, Math.max(2_000, latencyRate * 8)) / EVENTS_PER_TX);
    const latencyEvents = latencyTxs * EVENTS_PER_TX;
    const latencies: number[] = [];
    const seen = counter(latencyEvents * 2, 180_000, 'end-to-end latency run');
    onEffect = (ms) => {
      latencies.push(ms);
      seen.hit();
    };
    await pacedPublish(latencyTxs, latencyRate / EVENTS_PER_TX, async (start, size) => {
      await Promise.all(
        Array.from({ length: size }, (_, i) => write(o.events + (start + i) * EVENTS_PER_TX)),
      );
    });
    await seen.done;
    latencies.sort((a, b) => a - b);
    return {
      description:
        `${o.events} events, ${EVENTS_PER_TX} per transaction from ${WRITERS} writers -> outbox -> relay -> 2 services ` +
        `(handler: 1 row ${handlerWrite === 'awaited' ? 'awaited' : 'with the COMMIT'} + inbox record per transaction, prefetch 100, concurrency ${CONCURRENCY}, batches of up to ${BATCH_SIZE}); ` +
        `latency over ${latencyEvents} events x 2 services, producer tx start -> consumer commit`,
      writeRate,
      deliveredRate,
      latencyRate,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      cpuMsPerEvent,
      totalEvents: o.events + latencyEvents,
    };
  } finally {
    for (const n of nodes) {
      await n.messaging.stop().catch(() => undefined);
      await n.transport.close().catch(() => undefined);
      await n.db.close().catch(() => undefined);
    }
  }
}
