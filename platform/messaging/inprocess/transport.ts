import type { Db } from '../../data/db.js';
import { runMigrations } from '../../data/migrate.js';
import { quietLog, type MessagingLog } from '../log.js';
import {
  DEFAULT_RETRY_DELAYS_MS,
  type ConsumeOptions,
  type Delivery,
  type OutgoingMessage,
  type ServiceTopology,
  type Subscription,
  type Transport,
} from '../transport.js';
import { inProcessBusMigrations } from './migrations.js';
import { QueueConsumer } from './queue-consumer.js';
import { QueueStore } from './queue-store.js';

export interface InProcessTransportOptions {
  /** A database of the transport's own (on PGlite: the `bus` schema). Its tables are created here. */
  db: Db;
  retryDelaysMs?: readonly number[];
  /** How long a handed-out message stays hidden before it counts as abandoned (a crash). */
  leaseMs?: number;
  /**
   * Fallback check for messages written by another process (default 1 s on PostgreSQL; 10 s on
   * PGlite, which no other process can open: it only guards against a missed wake).
   */
  pollIntervalMs?: number;
  log?: MessagingLog;
}

/**
 * Consumers of every transport on the same database in this process, so that a publish through
 * one transport wakes the consumers of another at once (other processes are found by polling).
 */
const consumersByDb = new WeakMap<Db, Set<QueueConsumer>>();

export class TransportClosedError extends Error {
  constructor() {
    super('the in-process transport is closed');
    this.name = 'TransportClosedError';
  }
}

/**
 * The embedded mode's broker: RabbitMQ's semantics (topic fan-out of events to every bound queue,
 * direct routing of commands, retries after the ladder's delays, a DLQ per service, redelivery of
 * what a dead consumer held) on tables in PostgreSQL/PGlite. The queues live in the database
 * rather than in memory so that a crash of the process loses nothing: the outbox relay's publish
 * is a commit, and an unsettled message comes back when its lease expires.
 */
export async function createInProcessTransport(opts: InProcessTransportOptions): Promise<Transport> {
  await runMigrations(opts.db, [inProcessBusMigrations]);
  return new InProcessTransport(opts);
}

class InProcessTransport implements Transport {
  readonly kind = 'inprocess' as const;
  private readonly store: QueueStore;
  private readonly log: MessagingLog;
  private readonly consumers = new Set<QueueConsumer>();
  private readonly neighbours: Set<QueueConsumer>;
  private closed = false;

  constructor(private readonly opts: InProcessTransportOptions) {
    this.store = new QueueStore(opts.db);
    this.log = opts.log ?? quietLog;
    let set = consumersByDb.get(opts.db);
    if (!set) consumersByDb.set(opts.db, (set = new Set()));
    this.neighbours = set;
  }

  async declare(topology: ServiceTopology): Promise<void> {
    this.assertOpen();
    await this.store.declare(topology);
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    const { queues, unroutable } = await this.store.publish(messages);
    // As RabbitMQ does with a message no queue is bound for: it is dropped.
    if (unroutable.length)
      this.log.warn({ messageIds: unroutable }, 'no queue is bound for these messages; dropped');
    for (const q of queues) this.notify(q);
  }

  async sendToQueue(
    queue: string,
    body: Buffer | string,
    headers: Record<string, string | number>,
  ): Promise<void> {
    this.assertOpen();
    await this.store.send(queue, typeof body === 'string' ? body : body.toString('utf8'), headers);
    this.notify(queue);
  }

  async consume(
    queue: string,
    onDelivery: (d: Delivery) => Promise<void>,
    opts: ConsumeOptions,
  ): Promise<Subscription> {
    this.assertOpen();
    const consumer = new QueueConsumer(this.store, queue, onDelivery, opts, {
      leaseMs: this.opts.leaseMs ?? 30_000,
      pollIntervalMs: this.opts.pollIntervalMs ?? (this.opts.db.kind === 'pglite' ? 10_000 : 1_000),
      retryDelaysMs: this.opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
      log: this.log,
      assertOpen: () => this.assertOpen(),
      notify: (q) => this.notify(q),
    });
    this.consumers.add(consumer);
    this.neighbours.add(consumer);
    return {
      cancel: async () => {
        this.consumers.delete(consumer);
        this.neighbours.delete(consumer);
        await consumer.cancel();
      },
    };
  }

  async depth(queue: string): Promise<number> {
    return this.store.depth(queue);
  }

  isConnected(): boolean {
    return !this.closed;
  }

  /**
   * Stops every consumer without settling what they hold, as a dropped connection would: those
   * messages come back when their leases expire. Stop the services' messaging first for a clean
   * shutdown. The database belongs to the caller and stays open.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.consumers) {
      c.abandon();
      this.neighbours.delete(c);
    }
    this.consumers.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new TransportClosedError();
  }

  private notify(queue: string): void {
    for (const c of this.neighbours) if (c.queue === queue) c.wake();
  }
}
