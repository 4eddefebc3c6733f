import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '#platform/data/db.js';
import { queueNames } from '#platform/messaging/envelope.js';
import { ATTEMPT_HEADER, readDeadLetterHeaders } from '#platform/messaging/headers.js';
import type { Delivery, OutgoingMessage, Transport } from '#platform/messaging/transport.js';
import { sleep, waitFor } from '../../support/wait.js';
import { declaredService, slowHandler } from './conformance-kit.js';
import { openPostgresBus, type TestBus } from './test-bus.js';

/**
 * `db`, counting the consumers' looks at a queue (the lease statement) that found nothing to hand
 * out. Transports on the same handle wake each other's consumers, as on one database.
 */
function watchEmptyLooks(db: Db): { db: Db; emptyLooks(): number } {
  let empty = 0;
  const watched = new Proxy(db, {
    get(target, prop) {
      if (prop !== 'query') {
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return async (sql: string, params?: readonly unknown[]) => {
        const result = await target.query<{ id: unknown }>(sql, params);
        if (sql.includes('FOR UPDATE SKIP LOCKED') && result.rows.every((r) => r.id === null)) empty++;
        return result;
      };
    },
  });
  return { db: watched, emptyLooks: () => empty };
}

/** What the in-process broker does below the bus: routing, leases, delays, dead-lettering. */
describe('in-process transport', () => {
  let bus: TestBus;
  beforeAll(async () => {
    bus = await openPostgresBus({ retryDelaysMs: [100, 200], leaseMs: 300, pollIntervalMs: 100 });
  }, 120_000);
  afterAll(() => bus?.close());

  const event = (type: string, n: number): OutgoingMessage => ({
    exchange: 'dhanman.events',
    routingKey: type,
    messageId: `m${n}`,
    body: JSON.stringify({ n }),
  });

  /** Collects deliveries and settles each one with `settle` (ack by default). */
  async function collect(
    t: Transport,
    queue: string,
    settle: (d: Delivery) => Promise<void> = (d) => d.ack(),
  ) {
    const seen: { body: string; d: Delivery; at: number }[] = [];
    const sub = await t.consume(
      queue,
      async (d) => {
        seen.push({ body: d.body.toString(), d, at: Date.now() });
        await settle(d);
      },
      { prefetch: 10, concurrency: 2 },
    );
    return { seen, sub };
  }

  it('routes by binding, drops what nobody is bound for, and follows re-declared bindings', async () => {
    const t = await bus.transport();
    const { service: s, type } = await declaredService(t);
    await t.publish([event(type, 1), event(`${s}.unbound`, 2)]);
    expect(await t.depth(queueNames(s).events)).toBe(1);
    await t.publish([
      { exchange: 'dhanman.commands', routingKey: `${s}.commands`, messageId: 'c', body: '{}' },
    ]);
    expect(await t.depth(queueNames(s).commands)).toBe(0);

    // The service no longer handles `type` and now takes commands.
    await t.declare({ service: s, eventTypes: [], commands: true });
    await t.publish([event(type, 3)]);
    await t.publish([
      { exchange: 'dhanman.commands', routingKey: `${s}.commands`, messageId: 'c', body: '{}' },
    ]);
    expect(await t.depth(queueNames(s).events)).toBe(1);
    expect(await t.depth(queueNames(s).commands)).toBe(1);
  });

  it('keeps the order of a batch in the queue', async () => {
    const t = await bus.transport();
    const { service: s, type } = await declaredService(t);
    await t.publish(Array.from({ length: 50 }, (_, i) => event(type, i)));
    const { seen, sub } = await collect(t, queueNames(s).events);
    await waitFor('all fifty', () => seen.length === 50);
    await sub.cancel();
    // Two run at once, so neighbours may swap; nothing is lost, nothing is doubled.
    expect(new Set(seen.map((x) => JSON.parse(x.body).n)).size).toBe(50);
    expect(JSON.parse(seen[0]!.body).n).toBeLessThan(2);
  });

  it('runs no more handlers at once than the concurrency allows', async () => {
    const t = await bus.transport();
    const { service: s, type } = await declaredService(t);
    await t.publish(Array.from({ length: 6 }, (_, i) => event(type, i)));
    const slow = slowHandler();
    const sub = await t.consume(queueNames(s).events, slow.handle, { prefetch: 10, concurrency: 2 });
    await waitFor('all six', () => slow.counts.done === 6);
    await sub.cancel();
    expect(slow.counts.most).toBe(2);
  });

  it('hands a copy out again when its consumer dies, counting deliveries', async () => {
    const dying = await bus.transport();
    const { service: s, type } = await declaredService(dying);
    await dying.publish([event(type, 1)]);
    const first = await collect(dying, queueNames(s).events, async () => {
      void dying.close();
      throw new Error('gone');
    });
    await waitFor('the first delivery', () => first.seen.length === 1);
    expect(first.seen[0]!.d).toMatchObject({ deliveryCount: 1, redelivered: false, attempt: 0 });
    await expect(first.seen[0]!.d.ack()).rejects.toThrow(/closed/);

    const next = await bus.transport();
    const started = Date.now();
    const second = await collect(next, queueNames(s).events);
    await waitFor('the redelivery', () => second.seen.length === 1);
    // Not before the dead consumer's lease ran out.
    expect(second.seen[0]!.at - started).toBeGreaterThanOrEqual(150);
    expect(second.seen[0]!.d).toMatchObject({ deliveryCount: 2, redelivered: true });
    // Its ack removed the message; the depth counts handed-out copies too, so none is left to come.
    await waitFor('the redelivery acknowledged', async () => (await next.depth(queueNames(s).events)) === 0);
    expect(second.seen).toHaveLength(1);
    await second.sub.cancel();
  });

  it('keeps a slow handler’s lease alive', async () => {
    const t = await bus.transport();
    const { service: s, type } = await declaredService(t);
    await t.publish([event(type, 1)]);
    const { seen, sub } = await collect(t, queueNames(s).events, async (d) => {
      await sleep(1_000); // the slow work itself, three leases long
      await d.ack();
    });
    await waitFor(
      'the slow handler',
      async () => seen.length === 1 && (await t.depth(queueNames(s).events)) === 0,
      5_000,
    );
    expect(seen).toHaveLength(1);
    await sub.cancel();
  });

  it('waits the ladder’s delay before a retry, and moves a dead letter to the DLQ with its reason', async () => {
    const t = await bus.transport();
    const { service: s, type } = await declaredService(t);
    await t.publish([event(type, 1)]);
    const { seen, sub } = await collect(t, queueNames(s).events, async (d) => {
      if (d.attempt < 2) await d.retry(d.attempt + 1);
      else
        await d.deadLetter({
          category: 'handler-failed',
          reason: 'no luck',
          error: 'boom',
          attempts: 3,
          originalQueue: d.queue,
        });
    });
    await waitFor('three attempts', () => seen.length === 3);
    expect(seen.map((x) => x.d.attempt)).toEqual([0, 1, 2]);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(95);
    expect(seen[2]!.at - seen[1]!.at).toBeGreaterThanOrEqual(195);
    expect(seen[2]!.d.headers[ATTEMPT_HEADER]).toBe(2);
    await sub.cancel();

    const dlq = await collect(t, queueNames(s).dlq);
    await waitFor('the dead letter', () => dlq.seen.length === 1);
    expect(dlq.seen[0]!.body).toBe(JSON.stringify({ n: 1 }));
    expect(readDeadLetterHeaders(dlq.seen[0]!.d.headers)).toMatchObject({
      category: 'handler-failed',
      reason: 'no luck',
      error: 'boom',
      attempts: 3,
      originalQueue: queueNames(s).events,
    });
    await dlq.sub.cancel();
  });

  it('wakes the consumers of another transport on the same database at once', async () => {
    // Both on one handle of the bus database that tells when a consumer's look found nothing.
    const watched = watchEmptyLooks(bus.busDb);
    const a = await bus.transport({ db: watched.db, pollIntervalMs: 60_000 });
    const b = await bus.transport({ db: watched.db, pollIntervalMs: 60_000 });
    const { service: s, type } = await declaredService(a);
    const { seen, sub } = await collect(b, queueNames(s).events);
    // Its first look found the queue empty: it now sleeps until woken, or for a minute.
    await waitFor('the consumer idle', () => watched.emptyLooks() >= 1);
    const started = Date.now();
    await a.publish([event(type, 1)]);
    await waitFor('the delivery', () => seen.length === 1, 5_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    await sub.cancel();
  });

  it('refuses work once closed', async () => {
    const t = await bus.transport();
    await t.close();
    expect(t.isConnected()).toBe(false);
    await expect(t.publish([])).rejects.toThrow(/closed/);
    await expect(t.sendToQueue('x.events', 'b', {})).rejects.toThrow(/closed/);
  });
});
