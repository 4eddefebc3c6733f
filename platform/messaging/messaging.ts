import type { Db } from '../data/db.js';
import type { Bus, MessageHandler } from './bus.js';
import type { ContractRegistry } from './contract.js';
import { createConsumer } from './consumer.js';
import { createArchiver } from './dead-letter-archiver.js';
import { DeadLetterStore } from './dead-letter-store.js';
import { queueNames } from './envelope.js';
import { errorText, quietLog, type MessagingLog } from './log.js';
import { outboxBus } from './outbox-bus.js';
import { messagingMetrics } from './metrics.js';
import { OutboxRelay, type RelayOptions } from './relay.js';
import { pruneMessagingTables } from './retention.js';
import { subscriptionDrift, topologyFor } from './subscriptions.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_PREFETCH,
  DEFAULT_RETRY_DELAYS_MS,
  type ServiceTopology,
  type Subscription,
  type Transport,
} from './transport.js';

export interface MessagingOptions {
  service: string;
  /** The service's own database, with `messagingMigrations` applied. */
  db: Db;
  transport: Transport;
  /** Every contract the service may receive (unknown types are dead-lettered). */
  registry: ContractRegistry;
  handlers: readonly MessageHandler[];
  /**
   * What every service of the system receives (a subscription table). Declared along with this
   * service's own queues, so a message published before its consumer first starts waits in that
   * consumer's queue instead of being dropped as unroutable. This service's own line must match
   * its handlers (a service missing from it receives nothing).
   */
  subscriptions?: readonly ServiceTopology[];
  /** Must be the ladder the transport was made with. Default 1 s, 5 s, 15 s. */
  retryDelaysMs?: readonly number[];
  /** Per queue: deliveries taken ahead, and handlers running at once. Defaults 100 and 32. */
  prefetch?: number;
  concurrency?: number;
  /** Messages whose handlers may commit in one transaction (1 = one each). Default 16. */
  batchSize?: number;
  /** Deliveries of one copy before it is dead-lettered (crash loops). Default 5. */
  deliveryLimit?: number;
  /** Sent outbox rows are kept this long (default one day). */
  outboxRetentionMs?: number;
  /** Inbox records are kept this long (default 30 days). */
  inboxRetentionMs?: number;
  relay?: Pick<RelayOptions, 'batchSize' | 'pollIntervalMs' | 'leaseMs' | 'backoff'>;
  log?: MessagingLog;
}

export interface Messaging {
  /** What the service publishes and sends through (writes to its outbox). */
  readonly bus: Bus;
  readonly deadLetters: DeadLetterStore;
  readonly relay: OutboxRelay;
  /** Declares this service's queues and bindings, and its peers' (idempotent; `start` does it too). */
  declare(): Promise<void>;
  /** Declares, starts the relay and consumes `<service>.events`, `.commands` and `.dlq`. */
  start(): Promise<void>;
  /** Stops consuming, lets handlers in flight finish, stops the relay. */
  stop(): Promise<void>;
}

/**
 * The bus of one service, assembled: outbox publishing, the relay, the consumer pipeline on its
 * queues, the dead-letter archive, retention and gauges.
 */
export function createMessaging(opts: MessagingOptions): Messaging {
  const { service, db, transport } = opts;
  const log = opts.log ?? quietLog;
  const names = queueNames(service);
  const relay = new OutboxRelay({ service, db, transport, log, ...opts.relay });
  const bus = outboxBus({ service, onCommitted: () => relay.wake() });
  const deadLetters = new DeadLetterStore({ service, db, transport, log });
  const consumer = createConsumer({
    service,
    db,
    registry: opts.registry,
    handlers: opts.handlers,
    retryDelaysMs: opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    deliveryLimit: opts.deliveryLimit,
    batchSize: opts.batchSize,
    log,
  });
  const own = topologyFor(
    service,
    opts.handlers.map((h) => h.contract),
  );
  const { commands } = own;
  const peers = (opts.subscriptions ?? []).filter((t) => t.service !== service);
  if (opts.subscriptions) {
    const listed = opts.subscriptions.find((t) => t.service === service) ?? topologyFor(service, []);
    const drift = subscriptionDrift(own, listed);
    if (drift.length) {
      throw new Error(`${service} does not receive what the subscription table says: ${drift.join('; ')}`);
    }
  }
  for (const h of opts.handlers) {
    if (h.contract.kind === 'command' && h.contract.target !== service) {
      throw new Error(
        `${service} handles command ${h.contract.type}, which is addressed to ${h.contract.target}`,
      );
    }
  }
  const consumeOptions = {
    prefetch: opts.prefetch ?? DEFAULT_PREFETCH,
    concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY,
  };

  let subscriptions: Subscription[] = [];
  let timers: NodeJS.Timeout[] = [];
  let stopping = false;
  let started = false;
  let declared: Promise<void> | undefined;

  // Queue depth from the transport itself: the in-process bus has no broker exporter to ask.
  const refreshQueueDepth = async () => {
    for (const queue of commands ? [names.events, names.commands] : [names.events]) {
      const depth = await transport.depth(queue).catch(() => undefined);
      if (depth !== undefined) messagingMetrics.queueDepth.set({ service, queue }, depth);
    }
  };

  const prune = () =>
    pruneMessagingTables(db, opts).catch((err: unknown) =>
      log.warn({ err: errorText(err) }, 'could not prune the messaging tables'),
    );

  const declareAll = async () => {
    await transport.declare(own);
    for (const peer of peers) await transport.declare(peer);
  };
  const declare = () => {
    declared ??= declareAll().catch((err: unknown) => {
      declared = undefined;
      throw err;
    });
    return declared;
  };

  async function stop(): Promise<void> {
    if (!started) return;
    started = false;
    stopping = true;
    for (const t of timers) clearInterval(t);
    timers = [];
    const subs = subscriptions;
    subscriptions = [];
    await Promise.all(subs.map((s) => s.cancel().catch(() => undefined)));
    await relay.stop();
    deadLetters.gauge.stop();
  }

  return {
    bus,
    deadLetters,
    relay,
    declare,
    async start() {
      if (started) return;
      started = true;
      stopping = false;
      try {
        await declare();
        relay.start();
        subscriptions.push(await transport.consume(names.events, consumer, consumeOptions));
        if (commands) subscriptions.push(await transport.consume(names.commands, consumer, consumeOptions));
        const archiver = createArchiver(deadLetters, () => stopping, log);
        subscriptions.push(await transport.consume(names.dlq, archiver, { prefetch: 10, concurrency: 1 }));
      } catch (err) {
        // Leave nothing half-started behind: the caller may try again.
        await stop();
        throw err;
      }
      void prune();
      timers = [
        // Old rows are pruned every minute; the DLQ depth is re-read every 15 s.
        setInterval(() => void prune(), 60_000),
        setInterval(() => {
          deadLetters.gauge.schedule();
          void refreshQueueDepth();
        }, 15_000),
      ];
      for (const t of timers) t.unref();
      deadLetters.gauge.schedule();
      void refreshQueueDepth();
      log.info({ queues: Object.values(names), eventTypes: own.eventTypes, commands }, 'messaging started');
    },
    stop,
  };
}
