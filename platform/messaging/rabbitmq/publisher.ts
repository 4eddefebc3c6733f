import type { ConfirmChannel, Options } from 'amqplib';
import { ChangeSignal } from './change-signal.js';
import { NotConnectedError } from './connection.js';
import { errorText, type MessagingLog } from '../log.js';

export interface PublishItem {
  exchange: string;
  routingKey: string;
  content: Buffer;
  /** Always carries a `messageId`: returned (unroutable) messages are matched by it. */
  options: Options.Publish & { messageId: string };
}

/** A mandatory message that no queue would take (e.g. a command for a service that never declared its queue). */
export class UnroutableError extends Error {
  constructor(exchange: string, routingKey: string) {
    super(
      `no queue is bound for ${exchange || '(default exchange)'} / ${routingKey}; the message was not stored`,
    );
    this.name = 'UnroutableError';
  }
}

export class PublishTimeoutError extends Error {
  constructor(pending: number, timeoutMs: number) {
    super(`${pending} message(s) not confirmed by RabbitMQ within ${timeoutMs} ms without progress`);
    this.name = 'PublishTimeoutError';
  }
}

type Outcome = 'confirmed' | 'again' | UnroutableError;

/**
 * Publishes with confirms, pipelined: up to `maxInFlight` messages are on the wire awaiting their
 * confirm at once (awaiting each one alone caps throughput at 1-2.6k msg/s). Messages whose channel
 * died before the confirm are sent again on the next channel; the call gives up only when nothing
 * has moved for `timeoutMs` (no connection, or no confirms), so a broker restart delays publishes
 * instead of losing them. A message may thus reach the broker twice: consumers are idempotent.
 */
export class ConfirmPublisher {
  private channel: ConfirmChannel | undefined;
  private readonly channelChanged = new ChangeSignal();
  private inFlight = 0;
  private slotWaiters: Array<() => void> = [];
  private readonly returned = new Set<string>();
  private stopped = false;

  constructor(
    private readonly maxInFlight: number,
    private readonly timeoutMs: number,
    private readonly log: MessagingLog,
  ) {}

  attach(ch: ConfirmChannel): void {
    this.channel = ch;
    ch.on('return', (msg: { properties: { messageId?: string } }) => {
      if (msg.properties.messageId) this.returned.add(msg.properties.messageId);
    });
    ch.on('error', (err: unknown) => this.log.warn({ err: errorText(err) }, 'publish channel error'));
    ch.on('close', () => {
      if (this.channel === ch) this.channel = undefined;
    });
    this.channelChanged.notify();
  }

  stop(): void {
    this.stopped = true;
    this.channelChanged.notify();
  }

  /** Resolves once the broker has confirmed every item. */
  async publish(items: readonly PublishItem[]): Promise<void> {
    let pending = items;
    let lastProgress = Date.now();
    const progressed = () => (lastProgress = Date.now());
    while (pending.length > 0) {
      const ch = await this.waitChannel(lastProgress);
      progressed();
      const again: PublishItem[] = [];
      let failure: Error | undefined;
      let abandoned = false;
      const round = async () => {
        const confirms: Promise<void>[] = [];
        for (const item of pending) {
          const slot = this.acquireSlot();
          if (slot) await slot;
          if (abandoned) {
            this.releaseSlot();
            break;
          }
          confirms.push(
            this.sendOne(ch, item).then((outcome) => {
              if (outcome === 'confirmed') progressed();
              else if (outcome === 'again') again.push(item);
              else failure ??= outcome;
            }),
          );
        }
        await Promise.all(confirms);
      };
      try {
        await this.settleOrStall(round(), () => lastProgress, pending.length);
      } catch (err) {
        abandoned = true;
        throw err;
      }
      if (failure) throw failure;
      if (again.length > 0) {
        this.log.warn({ count: again.length }, 'publishing again after the channel closed before confirming');
      }
      pending = again;
    }
  }

  private sendOne(ch: ConfirmChannel, item: PublishItem): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      let settled = false;
      const settle = (outcome: Outcome) => {
        if (settled) return;
        settled = true;
        this.releaseSlot();
        resolve(outcome);
      };
      try {
        ch.publish(item.exchange, item.routingKey, item.content, item.options, (err) => {
          if (err) return settle('again');
          if (item.options.mandatory && this.returned.delete(item.options.messageId)) {
            return settle(new UnroutableError(item.exchange, item.routingKey));
          }
          settle('confirmed');
        });
      } catch {
        // The channel is closing: stop handing it out before its 'close' event arrives.
        if (this.channel === ch) this.channel = undefined;
        settle('again');
      }
    });
  }

  private waitChannel(since: number): Promise<ConfirmChannel> {
    return this.channelChanged.until(
      () => {
        if (this.stopped) throw new Error('the RabbitMQ transport is closed');
        return this.channel;
      },
      since + this.timeoutMs,
      () => new NotConnectedError('publish', this.timeoutMs),
    );
  }

  private async settleOrStall(
    all: Promise<unknown>,
    lastProgress: () => number,
    count: number,
  ): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      const check = () => {
        const left = lastProgress() + this.timeoutMs - Date.now();
        if (left <= 0) reject(new PublishTimeoutError(count, this.timeoutMs));
        else timer = setTimeout(check, left);
      };
      timer = setTimeout(check, this.timeoutMs);
    });
    try {
      await Promise.race([all, stalled]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A slot freed while others wait passes straight to the first waiter, so the bound holds. */
  private acquireSlot(): Promise<void> | void {
    if (this.inFlight < this.maxInFlight) {
      this.inFlight++;
      return;
    }
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  private releaseSlot(): void {
    const next = this.slotWaiters.shift();
    if (next) next();
    else this.inFlight--;
  }
}
