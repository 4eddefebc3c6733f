import { randomUUID } from 'node:crypto';
import { COMMANDS_EXCHANGE } from '../envelope.js';
import {
  DEFAULT_RETRY_DELAYS_MS,
  type ConsumeOptions,
  type Delivery,
  type OutgoingMessage,
  type Subscription,
  type Transport,
} from '../transport.js';
import { DEPENDENCY_RETRY, type Backoff } from '../../retry/backoff.js';
import { ConsumeLink } from './consume-link.js';
import { QueueConsumer } from './consumer.js';
import { DeclaredTopologies } from './declared-topologies.js';
import { openPublishLink } from './publish-link.js';
import { nodeUrls, redactUrl } from './nodes.js';
import { errorText, quietLog, type MessagingLog } from '../log.js';
import { ConfirmPublisher, type PublishItem } from './publisher.js';
import type { QueueType, TopologySettings } from './topology.js';

export interface RabbitTransportOptions {
  /** amqp://user:pass@host:port/vhost, or several such URLs comma-separated (the nodes of a cluster). */
  url: string | readonly string[];
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
  /** Index of the node each connection tries first; default random, spreading processes over a cluster. */
  firstNode?: number;
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
    const where = nodeUrls(options.url).map(redactUrl).join(', ');
    throw new Error(`cannot reach RabbitMQ at ${where}: ${errorText(err)}`, { cause: err });
  }
  return transport;
}

/**
 * The bus over RabbitMQ, connecting in the background. Two connections, as RabbitMQ advises: one
 * publishes (flow control may block it) and one consumes, so acks keep flowing while publishing is
 * blocked. Both come back by themselves; each new connection redeclares every topology seen so far
 * and the consumers resume.
 */
export function openRabbitTransport(options: RabbitTransportOptions): RabbitTransport {
  const log = options.log ?? quietLog;
  const settings: TopologySettings = {
    queueType: options.queueType ?? 'quorum',
    deliveryLimit: options.deliveryLimit ?? 10,
    retryDelaysMs: [...(options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS)],
  };
  if (settings.retryDelaysMs.length === 0) throw new Error('retryDelaysMs needs at least one delay');
  const urls = nodeUrls(options.url);
  const publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
  const publisher = new ConfirmPublisher(options.maxInFlight ?? 1_000, publishTimeoutMs, log);
  const topologies = new DeclaredTopologies(settings);
  let closed = false;
  const link = {
    keeper: {
      urls,
      ...(options.firstNode === undefined ? {} : { firstNode: options.firstNode }),
      heartbeatSeconds: options.heartbeatSeconds ?? 10,
      backoff: options.reconnect ?? DEPENDENCY_RETRY,
      log,
    },
    name: options.name ?? 'dhanman',
    topologies,
    log,
    isClosed: () => closed,
  };
  const publishKeeper = openPublishLink({ ...link, publisher });
  const consuming = new ConsumeLink(link);
  const consumeKeeper = consuming.keeper;

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
      await topologies.add(conn, topology);
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
          if (consumeKeeper.current()) consuming.restartLater(c);
        },
      });
      // Not connected: it starts when the connection comes.
      await consuming.add(consumer);
      return {
        async cancel() {
          consuming.remove(consumer);
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
      consuming.abandonAll();
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
