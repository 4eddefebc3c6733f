import { randomUUID } from 'node:crypto';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { backoffMs, delayAt, type Backoff } from '../../retry/backoff.js';
import { dlqOf } from '../envelope.js';
import { attemptOf, deadLetterCopyHeaders, retryCopyHeaders } from '../headers.js';
import { errorText, type MessagingLog } from '../log.js';
import { type ConsumeOptions, type DeadLetterInfo, type Delivery } from '../transport.js';
import { AckCoalescer } from './ack-coalescer.js';
import type { ConfirmPublisher } from './publisher.js';
import { retryQueueName } from './topology.js';

export interface ConsumerDeps {
  publisher: ConfirmPublisher;
  retryDelaysMs: readonly number[];
  /** Quorum queues count deliveries (`x-delivery-count`); classic queues do not. */
  countsDeliveries: boolean;
  log: MessagingLog;
  /** The channel closed while the connection may still be up (broker cancel, channel error). */
  onChannelLost(consumer: QueueConsumer): void;
}

interface Pending {
  ch: Channel;
  acks: AckCoalescer;
  msg: ConsumeMessage;
}

/**
 * One queue's consumer: its own channel (prefetch is per channel), handlers run concurrently up to
 * `concurrency`, and it can be started again on a new connection after a loss. Deliveries whose
 * channel died are simply dropped here: the broker hands them out again.
 */
export class QueueConsumer {
  private channel: Channel | undefined;
  private channelConn: ChannelModel | undefined;
  /** The channel's acks, coalesced per turn of the event loop. */
  private acks: AckCoalescer | undefined;
  private consumerTag: string | undefined;
  private starting: Promise<void> | undefined;
  private running = 0;
  private backlog: Pending[] = [];
  private idleWaiters: Array<() => void> = [];
  private cancelled = false;

  constructor(
    readonly queue: string,
    private readonly onDelivery: (d: Delivery) => Promise<void>,
    private readonly opts: ConsumeOptions,
    private readonly deps: ConsumerDeps,
  ) {}

  get isCancelled(): boolean {
    return this.cancelled;
  }

  /** Starts consuming on `conn` unless it already does; safe to call again after a loss. */
  start(conn: ChannelModel): Promise<void> {
    if (this.cancelled || (this.channel && this.channelConn === conn)) return Promise.resolve();
    this.starting ??= this.open(conn).finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** The connection is gone: forget its channel and the deliveries not yet started. */
  detach(): void {
    this.channel = undefined;
    this.channelConn = undefined;
    this.acks = undefined;
    this.backlog = [];
  }

  /** The transport is closing: take nothing more; what is in flight can no longer be settled. */
  abandon(): void {
    this.cancelled = true;
    // Acks made this turn go out before the connection closes, or their deliveries come back.
    this.acks?.flush();
    this.detach();
  }

  async cancel(): Promise<void> {
    this.cancelled = true;
    const ch = this.channel;
    if (ch && this.consumerTag) await ch.cancel(this.consumerTag).catch(() => undefined);
    // Unstarted deliveries go back to the queue when the channel closes.
    this.backlog = [];
    await this.idle();
    this.acks?.flush();
    this.detach();
    if (ch) await ch.close().catch(() => undefined);
  }

  private async open(conn: ChannelModel): Promise<void> {
    const ch = await conn.createChannel();
    ch.on('error', (err: unknown) =>
      this.deps.log.warn({ queue: this.queue, err: errorText(err) }, 'consumer channel error'),
    );
    ch.on('close', () => {
      if (this.channel !== ch) return;
      this.detach();
      if (!this.cancelled) this.deps.onChannelLost(this);
    });
    const acks = new AckCoalescer(({ tag, multiple }) => {
      try {
        ch.ack({ fields: { deliveryTag: tag } } as ConsumeMessage, multiple);
      } catch (err) {
        // The channel died: the broker hands its unacknowledged deliveries out again.
        this.deps.log.debug({ queue: this.queue, err: errorText(err) }, 'ack on a closed channel');
      }
    });
    try {
      await ch.prefetch(this.opts.prefetch);
      const onMessage = (msg: ConsumeMessage | null) =>
        msg ? this.accept(ch, acks, msg) : this.brokerCancelled(ch);
      const ok = await ch.consume(this.queue, onMessage, { noAck: false });
      this.consumerTag = ok.consumerTag;
      this.channel = ch;
      this.acks = acks;
      this.channelConn = conn;
    } catch (err) {
      await ch.close().catch(() => undefined);
      throw err;
    }
    if (this.cancelled) await this.cancel();
  }

  private brokerCancelled(ch: Channel): void {
    this.deps.log.warn(
      { queue: this.queue },
      'the broker cancelled the consumer (queue deleted?); restarting it',
    );
    void ch.close().catch(() => undefined);
  }

  private accept(ch: Channel, acks: AckCoalescer, msg: ConsumeMessage): void {
    acks.delivered(msg.fields.deliveryTag);
    this.backlog.push({ ch, acks, msg });
    this.pump();
  }

  private pump(): void {
    while (!this.cancelled && this.running < this.opts.concurrency && this.backlog.length > 0) {
      const next = this.backlog.shift()!;
      this.running++;
      void this.handle(next).finally(() => {
        this.running--;
        this.pump();
        if (this.running === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
    }
  }

  private idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * The pipeline leaves a delivery unsettled when it could not finish (database or broker away).
   * It is offered again after a pause while its channel lives, rather than nacked: a nack would
   * count as a delivery on a quorum queue, and an outage would push sound messages to the DLQ.
   */
  private async handle({ ch, acks, msg }: Pending): Promise<void> {
    const delivery = new AmqpDelivery(this.queue, acks, msg, this.deps);
    for (let round = 0; ; round++) {
      try {
        await this.onDelivery(delivery);
      } catch (err) {
        this.deps.log.error({ queue: this.queue, err: errorText(err) }, 'delivery handler threw');
      }
      if (delivery.settled || this.cancelled || this.channel !== ch) return;
      const pauseMs = backoffMs(round, UNSETTLED_PAUSE);
      this.deps.log.warn(
        { queue: this.queue, pauseMs },
        'delivery left unsettled; offering it again after a pause',
      );
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      if (this.cancelled || this.channel !== ch) return;
    }
  }
}

const UNSETTLED_PAUSE: Backoff = { initialMs: 250, maxMs: 5_000 };

class AmqpDelivery implements Delivery {
  readonly body: Buffer;
  readonly headers: Record<string, unknown>;
  readonly attempt: number;
  readonly deliveryCount: number | undefined;
  readonly redelivered: boolean;
  settled = false;
  private claimed = false;

  constructor(
    readonly queue: string,
    private readonly acks: AckCoalescer,
    private readonly msg: ConsumeMessage,
    private readonly deps: ConsumerDeps,
  ) {
    this.body = msg.content;
    this.headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
    this.attempt = attemptOf(this.headers);
    this.deliveryCount = deps.countsDeliveries
      ? Number(this.headers['x-delivery-count'] ?? 0) + 1
      : undefined;
    this.redelivered = msg.fields.redelivered;
  }

  async ack(): Promise<void> {
    if (this.claim('ack')) this.settle();
  }

  async retry(nextAttempt: number): Promise<void> {
    if (!this.claim('retry')) return;
    const delay = delayAt(this.deps.retryDelaysMs, nextAttempt);
    await this.copyTo(
      retryQueueName(this.queue, delay),
      retryCopyHeaders(this.headers, nextAttempt, this.queue),
    );
    this.settle();
  }

  async deadLetter(info: DeadLetterInfo): Promise<void> {
    if (!this.claim('deadLetter')) return;
    await this.copyTo(dlqOf(this.queue), deadLetterCopyHeaders(this.headers, info));
    this.settle();
  }

  /** Each delivery is settled once: a second ack on the same tag would close the channel. */
  private claim(what: string): boolean {
    if (!this.claimed) return (this.claimed = true);
    this.deps.log.warn({ queue: this.queue, what }, 'delivery already settled; ignoring');
    return false;
  }

  /** Publishes the copy with a confirm; if that fails the delivery stays unsettled and may be settled again. */
  private async copyTo(queue: string, headers: Record<string, unknown>): Promise<void> {
    const p = this.msg.properties;
    try {
      await this.deps.publisher.publish([
        {
          exchange: '',
          routingKey: queue,
          content: this.msg.content,
          options: {
            persistent: true,
            mandatory: true,
            messageId: typeof p.messageId === 'string' ? p.messageId : randomUUID(),
            contentType: p.contentType as string | undefined,
            headers,
          },
        },
      ]);
    } catch (err) {
      this.claimed = false;
      throw err;
    }
  }

  /** Acks on the channel it came from (coalesced with its neighbours); if it died the broker redelivers. */
  private settle(): void {
    this.settled = true;
    this.acks.ack(this.msg.fields.deliveryTag);
  }
}
