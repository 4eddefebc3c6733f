import { backoffMs, delayAt, DEPENDENCY_RETRY } from '../../retry/backoff.js';
import { dlqOf } from '../envelope.js';
import { deadLetterHeaders } from '../headers.js';
import { errorText, type MessagingLog } from '../log.js';
import { type ConsumeOptions, type Delivery, type Subscription } from '../transport.js';
import type { LeasedMessage, QueueStore } from './queue-store.js';
import { randomUUID } from 'node:crypto';

export interface QueueConsumerSettings {
  leaseMs: number;
  pollIntervalMs: number;
  retryDelaysMs: readonly number[];
  log: MessagingLog;
  /** Throws once the transport is closed: a closed transport settles nothing (like a dead channel). */
  assertOpen(): void;
  /** Tells the consumers of a queue that it has new visible work. */
  notify(queue: string): void;
}

/**
 * One consumer of one queue: leases visible messages up to the concurrency limit, hands each to
 * the callback as a Delivery, keeps the leases alive while they are handled, and sleeps until the
 * next message becomes visible, a publish wakes it, or the poll interval passes.
 */
export class QueueConsumer implements Subscription {
  private running = true;
  private readonly inFlight = new Map<string, Promise<void>>();
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private readonly loopDone: Promise<void>;
  private readonly heartbeat: NodeJS.Timeout;
  /** Copies acknowledged in the same turn (a committed handler batch) leave in one statement. */
  private readonly acks: AckBatch;

  constructor(
    private readonly store: QueueStore,
    readonly queue: string,
    private readonly onDelivery: (d: Delivery) => Promise<void>,
    private readonly opts: ConsumeOptions,
    private readonly s: QueueConsumerSettings,
  ) {
    this.heartbeat = setInterval(() => void this.extendLeases(), Math.max(10, Math.floor(s.leaseMs / 3)));
    this.heartbeat.unref();
    this.acks = new AckBatch(store);
    this.loopDone = this.loop();
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  async cancel(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loopDone;
    await Promise.allSettled([...this.inFlight.values()]);
    clearInterval(this.heartbeat);
  }

  /** Stops at once without waiting (the transport closed): held leases simply expire. */
  abandon(): void {
    this.running = false;
    clearInterval(this.heartbeat);
    this.wake();
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (this.running) {
      this.woken = false;
      const free = Math.min(this.opts.concurrency, this.opts.prefetch) - this.inFlight.size;
      if (free <= 0) {
        await this.sleep(this.s.pollIntervalMs);
        continue;
      }
      let leased: LeasedMessage[];
      let nextAt: Date | null;
      try {
        ({ leased, nextAt } = await this.store.lease(this.queue, free, this.s.leaseMs));
        failures = 0;
      } catch (err) {
        if (!this.running) break;
        const delay = backoffMs(failures++, DEPENDENCY_RETRY);
        this.s.log.warn(
          { queue: this.queue, err: errorText(err), retryInMs: delay },
          'could not read the queue',
        );
        await this.sleep(delay);
        continue;
      }
      if (!this.running) break; // leased copies stay hidden until their lease expires, as after a crash
      for (const m of leased) this.handle(m);
      if (leased.length === free) continue;
      if (!this.woken) await this.sleep(this.idleDelay(nextAt));
    }
  }

  private handle(m: LeasedMessage): void {
    const work = this.onDelivery(this.delivery(m))
      .catch((err: unknown) =>
        this.s.log.error(
          { queue: this.queue, err: errorText(err) },
          'a delivery callback threw; copy left leased',
        ),
      )
      .finally(() => {
        this.inFlight.delete(m.id);
        this.wake();
      });
    this.inFlight.set(m.id, work);
  }

  private delivery(m: LeasedMessage): Delivery {
    const { store, s } = this;
    let settled = false;
    const settle = async (what: string, op: () => Promise<boolean>) => {
      s.assertOpen();
      if (settled) throw new Error(`this delivery was already settled`);
      settled = true;
      if (!(await op()))
        s.log.warn({ queue: m.queue, id: m.id, what }, 'lease lost before settling; ignored');
    };
    return {
      queue: m.queue,
      body: Buffer.from(m.body, 'utf8'),
      headers: m.headers,
      attempt: m.attempt,
      deliveryCount: m.deliveries,
      redelivered: m.deliveries > 1,
      ack: () => settle('ack', () => this.acks.ack(m)),
      retry: async (nextAttempt) => {
        await settle('retry', () => store.retry(m, nextAttempt, delayAt(s.retryDelaysMs, nextAttempt)));
        s.notify(m.queue);
      },
      deadLetter: async (info) => {
        const dlq = dlqOf(m.queue);
        await settle('dead-letter', () => store.move(m, dlq, deadLetterHeaders(info, randomUUID())));
        s.notify(dlq);
      },
    };
  }

  private async extendLeases(): Promise<void> {
    if (this.inFlight.size === 0) return;
    try {
      this.s.assertOpen();
      await this.store.extend([...this.inFlight.keys()], this.s.leaseMs);
    } catch (err) {
      this.s.log.debug({ queue: this.queue, err: errorText(err) }, 'could not extend leases');
    }
  }

  /** Until the next delayed or leased message becomes visible, at most the poll interval. */
  private idleDelay(nextAt: Date | null): number {
    if (!nextAt) return this.s.pollIntervalMs;
    return Math.min(this.s.pollIntervalMs, Math.max(1, nextAt.getTime() - Date.now() + 2));
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }
}

class AckBatch {
  private pending: Array<{ m: LeasedMessage; done(removed: boolean): void; fail(err: unknown): void }> = [];

  constructor(private readonly store: QueueStore) {}

  ack(m: LeasedMessage): Promise<boolean> {
    return new Promise((done, fail) => {
      if (this.pending.push({ m, done, fail }) === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      const removed = await this.store.ack(batch.map((p) => p.m));
      for (const p of batch) p.done(removed.has(p.m.id));
    } catch (err) {
      for (const p of batch) p.fail(err);
    }
  }
}
