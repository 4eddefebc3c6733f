import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Db } from '#platform/data/db.js';
import { runMigrations } from '#platform/data/migrate.js';
import { on, type MessageHandler } from '#platform/messaging/bus.js';
import { createConsumer } from '#platform/messaging/consumer.js';
import { ContractRegistry, defineEvent } from '#platform/messaging/contract.js';
import { messagingMetrics } from '#platform/messaging/metrics.js';
import { messagingMigrations } from '#platform/messaging/migrations.js';
import { buildEnvelope } from '#platform/messaging/outbox-bus.js';
import { backends } from '../data/backends.js';
import { org } from './conformance-kit.js';
import { delivery } from './fake-delivery.js';
import { uniqueName } from '../../harness/unique-name.js';

const charged = defineEvent({ type: 'batch-test.charged', version: 1, schema: z.object({ n: z.number() }) });
const registry = new ContractRegistry([charged]);
const body = (n: number) =>
  JSON.stringify(buildEnvelope('elsewhere', charged, { n }, { organizationId: org }));

/** Observations of the batch metrics for one service name. */
async function batches(service: string) {
  const sizes = (await messagingMetrics.batchSize.get()).values.filter((v) => v.labels.service === service);
  const split = (await messagingMetrics.batchesSplit.get()).values.find((v) => v.labels.service === service);
  return {
    count: sizes.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0,
    messages: sizes.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0,
    split: split?.value ?? 0,
  };
}

describe.each(backends())('handler batches on $name', (backend) => {
  let db: Db;
  beforeAll(async () => {
    db = await backend.open();
    await runMigrations(db, [messagingMigrations]);
    await db.exec(`CREATE TABLE charge (n int PRIMARY KEY, handled_by text NOT NULL)`);
  }, 120_000);
  afterAll(() => backend.close());

  const consumerFor = (service: string, handler: MessageHandler) =>
    createConsumer({ service, db, registry, handlers: [handler], retryDelaysMs: [10], batchSize: 16 });
  const recordCharge = (name: string, failOn?: number, calls = { n: 0 }) =>
    on(charged, name, async (m, tx) => {
      calls.n++;
      if (m.payload.n === failOn) throw new Error(`charge ${failOn} has no rate`);
      await tx.query(`INSERT INTO charge (n, handled_by) VALUES ($1, $2)`, [m.payload.n, name]);
    });
  const charges = async (from: number, to: number) =>
    (
      await db.query<{ n: number }>(`SELECT n FROM charge WHERE n BETWEEN $1 AND $2 ORDER BY n`, [from, to])
    ).rows.map((r) => r.n);

  it('commits messages that arrive together in one transaction, and acknowledges each', async () => {
    const service = uniqueName('batch');
    const consume = consumerFor(service, recordCharge('together'));
    const copies = [101, 102, 103, 104, 105].map((n) => delivery(body(n)));
    await Promise.all(copies.map((c) => consume(c.d)));
    expect(copies.map((c) => c.settled.map((s) => s.how))).toEqual(copies.map(() => ['ack']));
    expect(await charges(101, 105)).toEqual([101, 102, 103, 104, 105]);
    expect(await batches(service)).toEqual({ count: 1, messages: 5, split: 0 });
  });

  it('runs a lone message at once, in a batch of one', async () => {
    const service = uniqueName('batch');
    const consume = consumerFor(service, recordCharge('alone'));
    const { d, settled } = delivery(body(151));
    await consume(d);
    expect(settled.map((s) => s.how)).toEqual(['ack']);
    expect(await batches(service)).toEqual({ count: 1, messages: 1, split: 0 });
  });

  it('isolates a failing message: its neighbours commit once, it alone goes to the retry ladder', async () => {
    const service = uniqueName('batch');
    const calls = { n: 0 };
    const consume = consumerFor(service, recordCharge('one-bad', 203, calls));
    const copies = [201, 202, 203, 204].map((n) => delivery(body(n)));
    await Promise.all(copies.map((c) => consume(c.d)));
    expect(copies.map((c) => c.settled.map((s) => s.how))).toEqual([['ack'], ['ack'], ['retry'], ['ack']]);
    expect(await charges(201, 204)).toEqual([201, 202, 204]);
    // The shared batch ran up to the failure (201-203) and rolled back; the others ran again on
    // their own. The failing handler was called once for its attempt, not once more alone.
    expect(await batches(service)).toMatchObject({ split: 1 });
    expect(calls.n).toBe(3 + 3);
    const inbox = await db.query(`SELECT 1 FROM inbox WHERE handler = 'one-bad'`);
    expect(inbox.rowCount).toBe(3);
  });

  it('runs the handler once when two copies of a message land in the same batch', async () => {
    const service = uniqueName('batch');
    let calls = 0;
    const consume = consumerFor(
      service,
      on(charged, 'twice-delivered', async (m, tx) => {
        calls++;
        await tx.query(`INSERT INTO charge (n, handled_by) VALUES ($1, 'twice')`, [m.payload.n]);
      }),
    );
    const text = body(301);
    const copies = [delivery(text), delivery(text), delivery(body(302))];
    await Promise.all(copies.map((c) => consume(c.d)));
    expect(copies.map((c) => c.settled.map((s) => s.how))).toEqual([['ack'], ['ack'], ['ack']]);
    expect(calls).toBe(2);
    expect(await charges(301, 302)).toEqual([301, 302]);
    expect(await batches(service)).toEqual({ count: 1, messages: 3, split: 0 });
  });

  it("calls a handler's prepare once per batch, in its transaction, with only the messages it will handle", async () => {
    const service = uniqueName('batch');
    const prepared: number[][] = [];
    const seenInPrepare: number[] = [];
    const consume = consumerFor(
      service,
      on(
        charged,
        'prepared',
        async (m, tx) => {
          // What prepare read in this transaction is visible here: it ran first, in the same one.
          const { rows } = await tx.query<{ n: number }>(`SELECT n FROM charge WHERE n = $1`, [-m.payload.n]);
          seenInPrepare.push(...rows.map((r) => -r.n));
          await tx.query(`INSERT INTO charge (n, handled_by) VALUES ($1, 'prepared')`, [m.payload.n]);
        },
        {
          async prepare(ms, tx) {
            prepared.push(ms.map((m) => m.payload.n));
            for (const m of ms)
              await tx.query(`INSERT INTO charge (n, handled_by) VALUES ($1, 'prepare')`, [-m.payload.n]);
          },
        },
      ),
    );
    const handledBefore = body(501);
    await consume(delivery(handledBefore).d);
    const twice = body(503);
    const copies = [delivery(handledBefore), delivery(body(502)), delivery(twice), delivery(twice)];
    await Promise.all(copies.map((c) => consume(c.d)));
    expect(copies.map((c) => c.settled.map((s) => s.how))).toEqual([['ack'], ['ack'], ['ack'], ['ack']]);
    // The lone first delivery was a batch of one; the second batch skips 501 (handled) and 503's copy.
    expect(prepared).toEqual([[501], [502, 503]]);
    expect(seenInPrepare.sort()).toEqual([501, 502, 503]);
    expect(await charges(501, 503)).toEqual([501, 502, 503]);
  });

  it('never batches an isolated handler (effects outside the database)', async () => {
    const service = uniqueName('batch');
    const sent: number[] = [];
    const consume = consumerFor(
      service,
      on(
        charged,
        'sends-mail',
        async (m) => {
          sent.push(m.payload.n);
          if (m.payload.n === 402) throw new Error('smtp down');
        },
        { isolated: true },
      ),
    );
    const copies = [401, 402, 403].map((n) => delivery(body(n)));
    await Promise.all(copies.map((c) => consume(c.d)));
    expect(copies.map((c) => c.settled.map((s) => s.how))).toEqual([['ack'], ['retry'], ['ack']]);
    // Each mail went out once: no neighbour's failure made another run again.
    expect(sent.sort()).toEqual([401, 402, 403]);
    expect(await batches(service)).toEqual({ count: 0, messages: 0, split: 0 });
  });
});
