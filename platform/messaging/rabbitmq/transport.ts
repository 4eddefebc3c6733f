import { randomUUID } from 'node:crypto';
import type { ChannelModel } from 'amqplib';
import { COMMANDS_EXCHANGE } from '../envelope.js';
import {
  DEFAULT_RETRY_DELAYS_MS,
  type ConsumeOptions,
  type Delivery,
  type OutgoingMessage,
  type ServiceTopology,
  type Subscription,
  type Transport,
} from '../transport.js';
import { DEPENDENCY_RETRY, type Backoff } from '../backoff.js';
import { ConnectionKeeper } from './connection.js';
import { QueueConsumer } from './consumer.js';
import { errorText, quietLog, type MessagingLog } from '../log.js';
import { ConfirmPublisher, type PublishItem } from './publisher.js';
import {
  declareExchanges,
  declareServiceTopology,
  type QueueType,
  type TopologySettings,
} from './topology.js';

export interface RabbitTransportOptions {
  /** amqp://user:pass@host:port/vhost */
  url: string;
  /** Quorum by default; `classic` for brokers without quorum queues (then no delivery count). */
  queueType?: QueueType;
  /** Delays before retry attempts 1, 2, 3...; default 1 s, 5 s, 15 s. */
  retryDelaysMs?: readonly number[];
  /** Quorum only: the broker dead-letters a message handed out more than this many times. Default 10. */
  deliveryLimit?: number;
  /** Publishes awaiting their confirm at once. Default 1,000. */
  maxInFlight?: number;
  /** How long a publish may wait without progress (no connection, no confirms) before it rejects. Default 30 s. */
  publishTimeoutMs?: number;
  reconnect?: Backoff;
  heartbeatSeconds?: number;
  /** Names the connections in the broker's list, e.g. the service name. */
  name?: string;
  log?: MessagingLog;
}

export interface RabbitTransport extends Transport {
  readonly kind: 'rabbitmq';
  readonly queueType: QueueType;
  readonly deliveryLimit: number;
  readonly retryDelaysMs: readonly number[];
  /** Waits until both connections (publish, consume) are up; rejects after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
}

/**
 * Connects (waiting up to `publishTimeoutMs` for the broker) and returns the transport; the
 * connections then come back by themselves whenever they are lost.
 */
export async function createRabbitTransport(options: RabbitTransportOptions): Promise<RabbitTransport> {
  const transport = openRabbitTransport(options);
  try {
    await transport.ready();
  } catch (err) {
    await transport.close();
    throw new Error(`cannot reach RabbitMQ at ${redact(options.url)}: ${errorText(err)}`, { cause: err });
  }
  return transport;
}

/**
 * The bus over RabbitMQ, connecting in the background. Two connections, as RabbitMQ advises: one publishes (flow control may
 * block it) and one consumes, so acks keep flowing while publishing is blocked. Both come back by
 * themselves; each new connection redeclares every topology seen so far and the consumers resume.
 */
export function openRabbitTransport(options: RabbitTransportOptions): RabbitTransport {
  const log = options.log ?? quietLog;
  const settings: TopologySettings = {
    queueType: options.queueType ?? 'quorum',
    deliveryLimit: options.deliveryLimit ?? 10,
    retryDelaysMs: [...(options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS)],
  };
  if (settings.retryDelaysMs.length === 0) throw new Error('retryDelaysMs needs at least one delay');
  const publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
  const name = options.name ?? 'dhanman';
  const topologies = new Map<string, ServiceTopology>();
  const consumers = new Set<QueueConsumer>();
  const publisher = new ConfirmPublisher(options.maxInFlight ?? 1_000, publishTimeoutMs, log);
  let closed = false;

  async function declareAll(conn: ChannelModel, only?: ServiceTopology): Promise<void> {
    // A failed declaration closes its channel, so declarations get a channel of their own.
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    try {
      await declareExchanges(ch);
      for (const t of only ? [only] : topologies.values()) await declareServiceTopology(ch, t, settings);
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  async function openPublishChannel(conn: ChannelModel): Promise<void> {
    const ch = await conn.createConfirmChannel();
    ch.on('close', () => {
      // Lost with the connection: the keeper sets up a new one. Lost alone (a channel error): reopen.
      if (!closed && publishKeeper.current() === conn) {
        openPublishChannel(conn).catch((err) =>
          log.warn({ err: errorText(err) }, 'reopening the publish channel failed'),
        );
      }
    });
    publisher.attach(ch);
  }

  const keeperDefaults = {
    url: options.url,
    heartbeatSeconds: options.heartbeatSeconds ?? 10,
    backoff: options.reconnect ?? DEPENDENCY_RETRY,
    log,
  };

  const publishKeeper: ConnectionKeeper = new ConnectionKeeper({
    ...keeperDefaults,
    name: `${name}:publish`,
    async setup(conn) {
      await declareAll(conn);
      await openPublishChannel(conn);
    },
    onLost: () => undefined,
  });

  const consumeKeeper: ConnectionKeeper = new ConnectionKeeper({
    ...keeperDefaults,
    name: `${name}:consume`,
    async setup(conn) {
      await declareAll(conn);
    },
    afterReady(conn) {
      for (const c of consumers) startConsumer(c, conn);
    },
    onLost() {
      for (const c of consumers) c.detach();
    },
  });

  function startConsumer(c: QueueConsumer, conn: ChannelModel): void {
    c.start(conn).catch((err) => {
      log.warn({ queue: c.queue, err: errorText(err) }, 'could not resume consuming; trying again');
      restartLater(c);
    });
  }

  /** A consumer lost its channel on a live connection (its queue deleted, a channel error): redeclare, resume. */
  function restartLater(c: QueueConsumer): void {
    setTimeout(() => {
      const conn = consumeKeeper.current();
      if (closed || c.isCancelled || !conn) return;
      declareAll(conn).then(
        () => startConsumer(c, conn),
        (err: unknown) => {
          log.warn({ queue: c.queue, err: errorText(err) }, 'could not redeclare the topology; trying again');
          restartLater(c);
        },
      );
    }, 1_000).unref();
  }

  publishKeeper.start();
  consumeKeeper.start();

  const toItem = (m: OutgoingMessage): PublishItem => ({
    exchange: m.exchange,
    routingKey: m.routingKey,
    content: Buffer.from(m.body),
    options: {
      persistent: true,
      // A command nobody's queue takes must not vanish: the relay keeps it and tries again.
      mandatory: m.exchange === COMMANDS_EXCHANGE,
      messageId: m.messageId,
      contentType: 'application/json',
      headers: m.headers,
    },
  });

  return {
    kind: 'rabbitmq',
    queueType: settings.queueType,
    deliveryLimit: settings.deliveryLimit,
    retryDelaysMs: settings.retryDelaysMs,

    async ready(timeoutMs = publishTimeoutMs) {
      await publishKeeper.waitReady(timeoutMs, 'ready');
      await consumeKeeper.waitReady(timeoutMs, 'ready');
    },

    async declare(topology) {
      const conn = await consumeKeeper.waitReady(publishTimeoutMs, `declare ${topology.service}`);
      await declareAll(conn, topology);
      // Remembered only once accepted, so a bad topology does not break every later reconnect.
      topologies.set(topology.service, topology);
    },

    async publish(messages) {
      if (messages.length === 0) return;
      await publisher.publish(messages.map(toItem));
    },

    async sendToQueue(queue, body, headers) {
      const content = Buffer.isBuffer(body) ? body : Buffer.from(body);
      await publisher.publish([
        {
          exchange: '',
          routingKey: queue,
          content,
          options: {
            persistent: true,
            mandatory: true,
            messageId: envelopeId(content) ?? randomUUID(),
            contentType: 'application/json',
            headers,
          },
        },
      ]);
    },

    async consume(
      queue: string,
      onDelivery: (d: Delivery) => Promise<void>,
      opts: ConsumeOptions,
    ): Promise<Subscription> {
      if (closed) throw new Error('the RabbitMQ transport is closed');
      const consumer = new QueueConsumer(queue, onDelivery, opts, {
        publisher,
        retryDelaysMs: settings.retryDelaysMs,
        countsDeliveries: settings.queueType === 'quorum',
        log,
        onChannelLost: (c) => {
          if (consumeKeeper.current()) restartLater(c);
        },
      });
      consumers.add(consumer);
      const conn = consumeKeeper.current();
      // Not connected: it starts when the connection comes (afterReady).
      if (conn) {
        try {
          await consumer.start(conn);
        } catch (err) {
          consumers.delete(consumer);
          // Closed meanwhile (the process is going away): there is nothing left to consume from.
          if (!closed) throw err;
        }
      }
      return {
        async cancel() {
          consumers.delete(consumer);
          await consumer.cancel();
        },
      };
    },

    async depth(queue) {
      const conn = await publishKeeper.waitReady(publishTimeoutMs, `depth of ${queue}`);
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      try {
        return (await ch.checkQueue(queue)).messageCount;
      } catch (err) {
        throw new Error(`queue ${queue}: ${errorText(err)}`, { cause: err });
      } finally {
        await ch.close().catch(() => undefined);
      }
    },

    isConnected() {
      return publishKeeper.isReady() && consumeKeeper.isReady();
    },

    /*
     * Like the process going away: the connections close at once, deliveries not yet settled go
     * back to their queues (settling them afterwards fails) and waiting publishes reject. A
     * graceful stop cancels its subscriptions first, which lets handlers in flight finish.
     */
    async close() {
      if (closed) return;
      closed = true;
      for (const c of consumers) c.abandon();
      consumers.clear();
      publisher.stop();
      await Promise.all([publishKeeper.close(), consumeKeeper.close()]);
    },
  };
}

function envelopeId(content: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(content.toString('utf8')) as { messageId?: unknown };
    return typeof parsed.messageId === 'string' ? parsed.messageId : undefined;
  } catch {
    return undefined;
  }
}

const redact = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
