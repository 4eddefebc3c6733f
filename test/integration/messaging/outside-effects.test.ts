import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Db } from '#platform/data/db.js';
import { runMigrations } from '#platform/data/migrate.js';
import { on } from '#platform/messaging/bus.js';
import { createConsumer } from '#platform/messaging/consumer.js';
import { ContractRegistry, defineEvent } from '#platform/messaging/contract.js';
import { messagingMigrations } from '#platform/messaging/migrations.js';
import { buildEnvelope } from '#platform/messaging/outbox-bus.js';
import { deferOutside } from '#platform/messaging/outside-effects.js';
import { backends } from '../data/backends.js';
import { org } from './conformance-kit.js';
import { delivery } from './fake-delivery.js';
import { uniqueName } from '../../harness/unique-name.js';

const notified = defineEvent({
  type: 'effects-test.notified',
  version: 1,
  schema: z.object({ n: z.number() }),
});
const registry = new ContractRegistry([notified]);
const body = (n: number) =>
  JSON.stringify(buildEnvelope('elsewhere', notified, { n }, { organizationId: org }));

/** Handlers that defer an effect outside the database (a stand-in for a mail) and record it. */
describe.each(backends())('effects outside the database on $name', (backend) => {
  let db: Db;
  beforeAll(async () => {
    db = await backend.open();
    await runMigrations(db, [messagingMigrations]);
    await db.exec(`CREATE TABLE effect_done (n int PRIMARY KEY)`);
  }, 120_000);
  afterAll(() => backend.close());

  /** What the effects did: calls per n, and how many ran at once at most. */
  const world = () => ({ calls: new Map<number, number>(), running: 0, mostAtOnce: 0, failOn: -1 });
  const consumerFor = (w: ReturnType<typeof world>) =>
    createConsumer({
      service: uniqueName('effects'),
      db,
      registry,
      retryDelaysMs: [10],
      batchSize: 16,
      handlers: [
        on(notified, uniqueName('notify'), async (m, tx) => {
          const { n } = m.payload;
          await deferOutside(tx, async () => {
            w.calls.set(n, (w.calls.get(n) ?? 0) + 1);
            w.running++;
            w.mostAtOnce = Math.max(w.mostAtOnce, w.running);
            // Yield once: effects started together are all running here.
            await new Promise((resolve) => setImmediate(resolve));
            w.running--;
            if (n === w.failOn) throw new Error(`effect ${n} refused`);
            return async (recordTx) => {
              await recordTx.query(`INSERT INTO effect_done (n) VALUES ($1)`, [n]);
            };
          });
        }),
      ],
    });
  const done = async (from: number, to: number) =>
    (
      await db.query<{ n: number }>(`SELECT n FROM effect_done WHERE n BETWEEN $1 AND $2 ORDER BY n`, [
        from,
        to,
      ])
    ).rows.map((r) => r.n);

  it("runs a batch's effects at once after its handlers, and records each before the commit", async () => {
    const w = world();
    const consume = consumerFor(w);
    const copies = [11, 12, 13, 14, 15].map((n) => delivery(body(n)));
    await Promise.all(copies.map((c) => consume(c.d)));
    expect(copies.map((c) => c.settled.map((s) => s.how))).toEqual(copies.map(() => ['ack']));
    expect(await done(11, 15)).toEqual([11, 12, 13, 14, 15]);
    expect([...w.calls.values()]).toEqual([1, 1, 1, 1, 1]);
    expect(w.mostAtOnce).toBe(5);
  });

  it('a failed effect fails its message alone; the others are recorded after running again alone', async () => {
    const w = world();
    w.failOn = 23;
    const consume = consumerFor(w);
    const copies = [21, 22, 23, 24].map((n) => delivery(body(n)));
    await Promise.all(copies.map((c) => consume(c.d)));
    expect(copies.map((c) => c.settled.map((s) => s.how))).toEqual([['ack'], ['ack'], ['retry'], ['ack']]);
    expect(await done(21, 24)).toEqual([21, 22, 24]);
    // The batch rolled back, so its other effects were asked for again, alone (the effect must be
    // repeatable in process: the mailer's is). The failing one had its one attempt.
    expect(Object.fromEntries(w.calls)).toEqual({ 21: 2, 22: 2, 23: 1, 24: 2 });

    // Its last attempt: dead-lettered with the effect's own error as the reason.
    const last = delivery(body(23), { attempt: 1 });
    await consume(last.d);
    expect(last.settled.map((s) => s.how)).toEqual(['dead-letter']);
    expect(last.settled[0]!.info!.reason).toContain('effect 23 refused');
    expect(await done(23, 23)).toEqual([]);
  });

  it('outside a consumer, runs the effect and its record at once', async () => {
    await db.transaction(async (tx) => {
      await deferOutside(tx, async () => async (recordTx) => {
        await recordTx.query(`INSERT INTO effect_done (n) VALUES (31)`);
      });
      expect((await tx.query(`SELECT n FROM effect_done WHERE n = 31`)).rowCount).toBe(1);
    });
  });
});
