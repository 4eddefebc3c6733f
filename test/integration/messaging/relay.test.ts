import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Db } from '#platform/data/db.js';
import { runMigrations } from '#platform/data/migrate.js';
import { defineEvent } from '#platform/messaging/contract.js';
import { messagingMetrics } from '#platform/messaging/metrics.js';
import { messagingMigrations } from '#platform/messaging/migrations.js';
import { outboxBus } from '#platform/messaging/outbox-bus.js';
import { OutboxRelay } from '#platform/messaging/relay.js';
import { pruneMessagingTables } from '#platform/messaging/retention.js';
import type { OutgoingMessage, Transport } from '#platform/messaging/transport.js';
import { org } from './conformance-kit.js';
import { sleep, waitFor } from '../../support/wait.js';
import { openPostgresBus, type TestBus } from './test-bus.js';
import { uniqueName } from '../../harness/unique-name.js';

const happened = defineEvent({
  type: 'relay-test.happened',
  version: 1,
  schema: z.object({ n: z.number() }),
});

/** The in-process transport, watched: what each publish carried, how many ran at once, and outages. */
function watched(inner: Transport, publishMs = 0) {
  const batches: OutgoingMessage[][] = [];
  const state = { failuresLeft: 0, failures: 0, inFlight: 0, maxInFlight: 0 };
  const transport: Transport = {
    kind: inner.kind,
    declare: (t) => inner.declare(t),
    sendToQueue: (q, b, h) => inner.sendToQueue(q, b, h),
    consume: (q, fn, o) => inner.consume(q, fn, o),
    depth: (q) => inner.depth(q),
    isConnected: () => inner.isConnected(),
    close: () => inner.close(),
    async publish(messages) {
      if (state.failuresLeft > 0) {
        state.failuresLeft--;
        state.failures++;
        throw new Error('broker unreachable');
      }
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      try {
        if (publishMs) await sleep(publishMs); // a slow broker, where the test asks for one
        await inner.publish(messages);
        batches.push(messages);
      } finally {
        state.inFlight--;
      }
    },
  };
  const published = () => batches.flat().map((m) => m.messageId);
  return { transport, batches, state, published };
}

describe('outbox relay', () => {
  let bus: TestBus;
  beforeAll(async () => {
    bus = await openPostgresBus({ pollIntervalMs: 100 });
  }, 120_000);
  afterAll(() => bus?.close());

  async function serviceDb(): Promise<Db> {
    const db = await bus.db(uniqueName('relay'));
    await runMigrations(db, [messagingMigrations]);
    return db;
  }

  async function write(db: Db, count: number, perTx: number, onCommitted?: () => void): Promise<string[]> {
    const writer = outboxBus({ service: db.service, ...(onCommitted ? { onCommitted } : {}) });
    const ids: string[] = [];
    for (let i = 0; i < count; i += perTx) {
      await db.transaction(async (tx) => {
        for (let j = i; j < Math.min(count, i + perTx); j++) {
          ids.push((await writer.publish(tx, happened, { n: j }, { organizationId: org })).messageId);
        }
      });
    }
    return ids;
  }

  const unsent = async (db: Db) =>
    Number(
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL`)).rows[0]!
        .n,
    );

  const relayLeases = async (db: Db) =>
    Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_relay_lease`)).rows[0]!.n);

  it('publishes in order of writing, in batches, and marks rows sent', async () => {
    const db = await serviceDb();
    const w = watched(await bus.transport());
    const ids = await write(db, 250, 10);
    const relay = new OutboxRelay({ service: db.service, db, transport: w.transport, batchSize: 100 });
    relay.start();
    try {
      await waitFor('everything sent', async () => (await unsent(db)) === 0);
      expect(w.batches.map((b) => b.length)).toEqual([100, 100, 50]);
      const published = (await messagingMetrics.published.get()).values.find(
        (v) => v.labels.service === db.service,
      );
      expect(published).toMatchObject({ value: 250, labels: { type: happened.type } });
      expect(w.published()).toEqual(ids);
      expect(w.batches[0]![0]).toMatchObject({ exchange: 'dhanman.events', routingKey: happened.type });
      expect(JSON.parse(w.batches[0]![0]!.body)).toMatchObject({ messageId: ids[0], payload: { n: 0 } });
    } finally {
      await relay.stop();
    }
  });

  it('wakes on commit instead of waiting for its timer', async () => {
    const db = await serviceDb();
    const w = watched(await bus.transport());
    const relay = new OutboxRelay({
      service: db.service,
      db,
      transport: w.transport,
      pollIntervalMs: 60_000,
    });
    relay.start();
    try {
      // Its first look, which takes the lease, found nothing; the next timer is a minute away.
      await waitFor('the first look', async () => (await relayLeases(db)) === 1);
      const started = Date.now();
      const [id] = await write(db, 1, 1, () => relay.wake());
      await waitFor('the publish', () => w.published().includes(id!), 5_000);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await relay.stop();
    }
  });

  it('keeps rows while the broker is down and publishes them when it is back', async () => {
    const db = await serviceDb();
    const w = watched(await bus.transport());
    w.state.failuresLeft = 3;
    const relay = new OutboxRelay({
      service: db.service,
      db,
      transport: w.transport,
      backoff: { initialMs: 50, maxMs: 200 },
    });
    const ids = await write(db, 5, 5);
    relay.start();
    try {
      await waitFor('the first failure', () => w.state.failures >= 1);
      expect(await unsent(db)).toBe(5);
      await waitFor('the outage to pass', () => w.published().length === 5, 5_000);
      expect(w.state.failures).toBe(3);
      expect(w.published()).toEqual(ids);
      await waitFor('rows marked sent', async () => (await unsent(db)) === 0);
    } finally {
      await relay.stop();
    }
  });

  it('reports the backlog and the age of the oldest unsent row', async () => {
    const db = await serviceDb();
    const w = watched(await bus.transport());
    w.state.failuresLeft = 1_000;
    const relay = new OutboxRelay({
      service: db.service,
      db,
      transport: w.transport,
      backoff: { initialMs: 50, maxMs: 50 },
    });
    await write(db, 3, 3);
    // Written two seconds ago, as far as the relay can tell (instead of waiting that long).
    await db.query(`UPDATE outbox SET created_at = created_at - interval '2 seconds'`);
    relay.start();
    const gauge = async (g: typeof messagingMetrics.outboxBacklog) =>
      (await g.get()).values.find((v) => v.labels.service === db.service)?.value;
    try {
      await waitFor('the backlog gauge', async () => (await gauge(messagingMetrics.outboxBacklog)) === 3);
      expect(await gauge(messagingMetrics.outboxOldestAge)).toBeGreaterThanOrEqual(1);
      w.state.failuresLeft = 0;
      await waitFor(
        'an empty backlog',
        async () => (await gauge(messagingMetrics.outboxBacklog)) === 0,
        5_000,
      );
      expect(await gauge(messagingMetrics.outboxOldestAge)).toBe(0);
    } finally {
      await relay.stop();
    }
  });

  it('lets one instance of a service publish at a time, in order, and hands over when it stops', async () => {
    const db = await serviceDb();
    const w = watched(await bus.transport(), 15);
    const ids = await write(db, 120, 20);
    const make = () =>
      new OutboxRelay({ service: db.service, db, transport: w.transport, batchSize: 10, pollIntervalMs: 50 });
    const a = make();
    const b = make();
    a.start();
    b.start();
    try {
      await waitFor('everything sent', async () => (await unsent(db)) === 0);
      expect(w.state.maxInFlight).toBe(1);
      expect(w.published()).toEqual(ids);

      // Whichever held the lease gives it up on stop; the other publishes at once.
      const holder = (await db.query<{ holder: string }>(`SELECT holder FROM outbox_relay_lease`)).rows[0];
      expect(holder).toBeDefined();
      await a.stop();
      const more = await write(db, 5, 5, () => b.wake());
      await waitFor('the survivor publishes', () => more.every((id) => w.published().includes(id)), 3_000);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('stops promptly when asked while a batch is in flight', async () => {
    const db = await serviceDb();
    const w = watched(await bus.transport(), 300);
    await write(db, 2, 2);
    const relay = new OutboxRelay({
      service: db.service,
      db,
      transport: w.transport,
      pollIntervalMs: 60_000,
    });
    relay.start();
    await waitFor('the publish in flight', () => w.state.inFlight === 1);
    const asked = Date.now();
    await relay.stop();
    expect(Date.now() - asked).toBeLessThan(5_000);
    // The batch in flight was finished and marked, not abandoned.
    expect(w.published()).toHaveLength(2);
    expect(await unsent(db)).toBe(0);
  });

  it('resumes after a restart with what was left unsent', async () => {
    const db = await serviceDb();
    const w = watched(await bus.transport());
    const first = new OutboxRelay({ service: db.service, db, transport: w.transport });
    first.start();
    const before = await write(db, 3, 3, () => first.wake());
    await waitFor('the first batch', () => w.published().length === 3);
    await first.stop();
    // It gave up its lease on stopping: nothing publishes what is written now until a restart.
    expect(await relayLeases(db)).toBe(0);
    const after = await write(db, 4, 2);
    expect(await unsent(db)).toBe(4);
    expect(w.published()).toEqual(before);
    const second = new OutboxRelay({ service: db.service, db, transport: w.transport });
    second.start();
    try {
      await waitFor('the rest', () => w.published().length === 7);
      expect(w.published()).toEqual([...before, ...after]);
    } finally {
      await second.stop();
    }
  });

  it('prunes sent rows older than the retention and keeps unsent ones', async () => {
    const db = await serviceDb();
    const ids = await write(db, 6, 6);
    await db.query(
      `UPDATE outbox SET sent_at = now() - interval '2 hours' WHERE message_id = ANY($1::uuid[])`,
      [ids.slice(0, 4)],
    );
    await db.query(`UPDATE outbox SET sent_at = now() WHERE message_id = $1`, [ids[4]]);
    await db.query(
      `INSERT INTO inbox (message_id, handler, processed_at) VALUES ($1, 'h', now() - interval '40 days')`,
      [randomUUID()],
    );
    await db.query(`INSERT INTO inbox (message_id, handler) VALUES ($1, 'h')`, [randomUUID()]);
    const pruned = await pruneMessagingTables(db, {
      outboxRetentionMs: 3_600_000,
      inboxRetentionMs: 30 * 86_400_000,
    });
    expect(pruned).toMatchObject({ outbox: 4, inbox: 1 });
    const left = await db.query<{ message_id: string }>(`SELECT message_id FROM outbox ORDER BY id`);
    expect(left.rows.map((r) => r.message_id)).toEqual(ids.slice(4));
    expect((await db.query(`SELECT 1 FROM inbox`)).rows).toHaveLength(1);
  });
});
