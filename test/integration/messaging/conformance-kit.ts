import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '#platform/data/db.js';
import { runMigrations } from '#platform/data/migrate.js';
import type { MessageHandler } from '#platform/messaging/bus.js';
import { ContractRegistry, defineCommand, defineEvent } from '#platform/messaging/contract.js';
import { createMessaging, type Messaging, type MessagingOptions } from '#platform/messaging/messaging.js';
import { messagingMetrics } from '#platform/messaging/metrics.js';
import { messagingMigrations } from '#platform/messaging/migrations.js';
import { retryQueueName } from '#platform/messaging/rabbitmq/topology.js';
import type { Delivery, Transport } from '#platform/messaging/transport.js';
import { uniqueName } from '../../harness/unique-name.js';
import { sleep } from '../../support/wait.js';
import { DeadLetterOperations } from '../../../operations/dead-letters.js';

/**
 * What a transport under test provides to the conformance suite. Each call of `transport()` is
 * one process's connection to the broker; `db(service)` the service's own database, empty or
 * already holding the messaging tables (the suite applies `messagingMigrations`).
 */
export interface ConformanceEnvironment {
  transport(): Promise<Transport>;
  db(service: string): Promise<Db>;
  /** The ladder the transports were made with; keep it short, e.g. [50, 100, 150]. */
  retryDelaysMs: readonly number[];
  /** Deliveries of one copy before it is dead-lettered; give the transport the same number. */
  deliveryLimit: number;
  cleanup(): Promise<void>;
}

/** Names unique to one test, so tests sharing a broker never see each other's messages. */
export function testRun() {
  const id = `c${randomBytes(4).toString('hex')}`;
  return {
    id,
    service: (name: string) => `${id}_${name}`,
    contracts: contractsFor(id),
  };
}

export function contractsFor(run: string) {
  const thingHappened = defineEvent({
    type: `${run}.thing-happened`,
    version: 2,
    schema: z.object({ thingId: z.uuid(), label: z.string().min(1) }),
    // v1 called the label `name`.
    upcasters: {
      1: (p) => ({ thingId: (p as { thingId: string }).thingId, label: (p as { name: string }).name }),
    },
  });
  const otherHappened = defineEvent({
    type: `${run}.other-happened`,
    version: 1,
    schema: z.object({ thingId: z.uuid() }),
  });
  const followUp = defineEvent({
    type: `${run}.follow-up`,
    version: 1,
    schema: z.object({ thingId: z.uuid() }),
  });
  const doWork = defineCommand({
    type: `${run}.do-work`,
    version: 1,
    target: `${run}_worker`,
    schema: z.object({ thingId: z.uuid() }),
  });
  const doOther = defineCommand({
    type: `${run}.do-other`,
    version: 1,
    target: `${run}_bystander`,
    schema: z.object({ thingId: z.uuid() }),
  });
  const all = [thingHappened, otherHappened, followUp, doWork, doOther];
  return { thingHappened, otherHappened, followUp, doWork, doOther, registry: new ContractRegistry(all) };
}

export interface TestService {
  name: string;
  db: Db;
  transport: Transport;
  messaging: Messaging;
  /** Its dead letters as an operator reaches them. */
  deadLetters: DeadLetterOperations;
  stop(): Promise<void>;
}

export interface TestServiceOptions {
  /** Declare the queues but do not consume (a producer, or a consumer started later). */
  consume?: boolean;
  /** A transport the test owns (and closes); by default the service opens and closes its own. */
  transport?: Transport;
  prefetch?: number;
  concurrency?: number;
  relay?: MessagingOptions['relay'];
}

/**
 * A service on the bus: its database with the messaging tables and `conformance_effect`, a
 * transport of its own unless given one, consuming unless told not to.
 */
export async function startTestService(
  env: ConformanceEnvironment,
  name: string,
  registry: ContractRegistry,
  handlers: MessageHandler[],
  opts: TestServiceOptions = {},
): Promise<TestService> {
  const db = await env.db(name);
  await runMigrations(db, [messagingMigrations]);
  await db.exec(
    `CREATE TABLE IF NOT EXISTS conformance_effect (message_id uuid NOT NULL, handler text NOT NULL)`,
  );
  const transport = opts.transport ?? (await env.transport());
  const messaging = createMessaging({
    service: name,
    db,
    transport,
    registry,
    handlers,
    retryDelaysMs: env.retryDelaysMs,
    deliveryLimit: env.deliveryLimit,
    prefetch: opts.prefetch ?? 20,
    concurrency: opts.concurrency ?? 4,
    relay: opts.relay ?? { pollIntervalMs: 200 },
  });
  if (opts.consume === false) await messaging.declare();
  else await messaging.start();
  let stopped = false;
  return {
    name,
    db,
    transport,
    messaging,
    deadLetters: new DeadLetterOperations(messaging.deadLetters),
    async stop() {
      if (stopped) return;
      stopped = true;
      await messaging.stop();
      if (!opts.transport) await transport.close();
    },
  };
}

/** A service of its own on `t` (the broker is shared), its events queue bound to its one event type. */
export async function declaredService(t: Transport): Promise<{ service: string; type: string }> {
  const service = uniqueName('svc');
  const type = `${service}.happened`;
  await t.declare({ service, eventTypes: [type], commands: false });
  return { service, type };
}

/**
 * A consumer's handler that holds each delivery `ms` before acking it, counting how many it held
 * at once at most (`most`) and how many it finished (`done`): a transport's concurrency limit.
 */
export function slowHandler(ms = 100) {
  const counts = { running: 0, most: 0, done: 0 };
  const handle = async (d: Delivery) => {
    counts.most = Math.max(counts.most, ++counts.running);
    await sleep(ms); // the work itself: handlers must overlap for the limit to show
    counts.running--;
    counts.done++;
    await d.ack();
  };
  return { counts, handle };
}

export async function effects(db: Db): Promise<{ message_id: string; handler: string }[]> {
  return (
    await db.query<{ message_id: string; handler: string }>(
      `SELECT message_id, handler FROM conformance_effect`,
    )
  ).rows;
}

export const org = randomUUID();
export const company = randomUUID();

/** How many messages `service`'s `handler` ended with `outcome` (success, duplicate, retry, dead-lettered). */
export async function handled(service: string, handler: string, outcome: string): Promise<number> {
  return (await messagingMetrics.consumed.get()).values
    .filter(
      (v) => v.labels.service === service && v.labels.handler === handler && v.labels.outcome === outcome,
    )
    .reduce((n, v) => n + v.value, 0);
}

/**
 * How many messages of `type` the broker confirmed to `service`'s relay. A confirmed message is in
 * every queue bound for it, so a queue's depth read after that is final for what came before.
 */
export async function confirmed(service: string, type: string): Promise<number> {
  return (await messagingMetrics.published.get()).values
    .filter((v) => v.labels.service === service && v.labels.type === type)
    .reduce((n, v) => n + v.value, 0);
}

/**
 * Copies waiting for `queue`'s consumers, delayed ones included: on RabbitMQ those sit in the
 * queue's retry queues; in-process they are rows of the queue itself, as are copies handed out.
 */
export async function copiesLeft(
  t: Transport,
  queue: string,
  retryDelaysMs: readonly number[],
): Promise<number> {
  let n = await t.depth(queue);
  if (t.kind === 'rabbitmq')
    for (const delay of new Set(retryDelaysMs)) n += await t.depth(retryQueueName(queue, delay));
  return n;
}
