import type { ChannelModel } from 'amqplib';
import { errorText, type MessagingLog } from '../log.js';
import { ConnectionKeeper, type KeeperOptions } from './connection.js';
import type { QueueConsumer } from './consumer.js';
import type { DeclaredTopologies } from './declared-topologies.js';

type KeeperDefaults = Omit<KeeperOptions, 'name' | 'setup' | 'afterReady' | 'onLost'>;

/**
 * The consuming connection and its consumers: on each (re)connect the topologies are redeclared
 * and every consumer resumes; on loss they detach. A consumer that loses its channel on a live
 * connection (its queue deleted, a channel error) is redeclared and restarted a second later.
 */
export class ConsumeLink {
  readonly keeper: ConnectionKeeper;
  private readonly consumers = new Set<QueueConsumer>();

  constructor(
    private readonly opts: {
      keeper: KeeperDefaults;
      name: string;
      topologies: DeclaredTopologies;
      log: MessagingLog;
      isClosed: () => boolean;
    },
  ) {
    this.keeper = new ConnectionKeeper({
      ...opts.keeper,
      name: `${opts.name}:consume`,
      setup: (conn) => opts.topologies.declareOn(conn),
      afterReady: (conn) => {
        for (const c of this.consumers) this.startConsumer(c, conn);
      },
      onLost: () => {
        for (const c of this.consumers) c.detach();
      },
    });
    this.keeper.start();
  }

  /** Adds a consumer and starts it now if connected (else when the connection comes). */
  async add(consumer: QueueConsumer): Promise<void> {
    this.consumers.add(consumer);
    const conn = this.keeper.current();
    if (!conn) return;
    try {
      await consumer.start(conn);
    } catch (err) {
      this.consumers.delete(consumer);
      // Closed meanwhile (the process is going away): there is nothing left to consume from.
      if (!this.opts.isClosed()) throw err;
    }
  }

  remove(consumer: QueueConsumer): void {
    this.consumers.delete(consumer);
  }

  /** Drops every consumer at once, its unsettled deliveries going back to their queues. */
  abandonAll(): void {
    for (const c of this.consumers) c.abandon();
    this.consumers.clear();
  }

  /** A consumer lost its channel while the connection lives: redeclare, then resume. */
  restartLater(c: QueueConsumer): void {
    setTimeout(() => {
      const conn = this.keeper.current();
      if (this.opts.isClosed() || c.isCancelled || !conn) return;
      this.opts.topologies.declareOn(conn).then(
        () => this.startConsumer(c, conn),
        (err: unknown) => {
          this.opts.log.warn(
            { queue: c.queue, err: errorText(err) },
            'could not redeclare the topology; trying again',
          );
          this.restartLater(c);
        },
      );
    }, 1_000).unref();
  }

  private startConsumer(c: QueueConsumer, conn: ChannelModel): void {
    c.start(conn).catch((err) => {
      this.opts.log.warn({ queue: c.queue, err: errorText(err) }, 'could not resume consuming; trying again');
      this.restartLater(c);
    });
  }
}
