import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Db } from '#platform/data/db.js';
import { on } from '#platform/messaging/bus.js';
import { queueNames } from '#platform/messaging/envelope.js';
import type { Delivery, Transport } from '#platform/messaging/transport.js';
import {
  claimSharedRabbit,
  killSharedRabbit,
  releaseSharedRabbit,
  restartSharedRabbit,
} from '../../harness/rabbit-control.js';
import { sleep, waitFor } from '../../support/wait.js';
import { company, org, testRun, type TestService } from '../messaging/conformance-kit.js';
import { spawnChild, type Child } from './child-process.js';
import {
  FAULT_DELIVERY_LIMIT,
  FAULT_RETRY_DELAYS_MS,
  rabbitEnvironment,
  startService,
} from './rabbit-env.js';

/*
 * These kill the run's shared broker: as a `*.fault.test.ts` file they run after every other test
 * file, and the claim taken before anything connects keeps another fault file from taking the
 * broker down under this one (see `rabbit-control.ts`).
 */
const amqpUrl = inject('amqpUrl');
const databaseUrl = inject('databaseUrl');
let env: ReturnType<typeof rabbitEnvironment>;
let services: TestService[] = [];
let children: Child[] = [];

beforeAll(async () => {
  await claimSharedRabbit();
  env = rabbitEnvironment({
    amqpUrl,
    databaseUrl,
    retryDelaysMs: FAULT_RETRY_DELAYS_MS,
    deliveryLimit: FAULT_DELIVERY_LIMIT,
    // Publishes wait out a broker restart instead of failing (the relay would retry anyway).
    transport: { publishTimeoutMs: 60_000 },
  });
}, 600_000);

afterEach(async () => {
  await Promise.all(children.map((c) => c.kill()));
  await Promise.allSettled(services.map((s) => s.stop()));
  children = [];
  services = [];
});

afterAll(async () => {
  await env?.cleanup();
  releaseSharedRabbit();
});

const track = (s: TestService) => (services.push(s), s);
const child = (role: string, service: string, run: string) => {
  const c = spawnChild('fault-child.ts', {
    AMQP_URL: amqpUrl,
    DATABASE_URL: databaseUrl,
    FAULT_DB_PREFIX: env.databasePrefix,
    FAULT_ROLE: role,
    FAULT_SERVICE: service,
    FAULT_RUN: run,
  });
  children.push(c);
  return c;
};

async function effectCounts(db: Db): Promise<{ total: number; distinct: number }> {
  const { rows } = await db.query<{ total: number; distinct: number }>(
    `SELECT count(*)::int AS total, count(DISTINCT message_id)::int AS distinct FROM conformance_effect`,
  );
  return rows[0]!;
}

/**
 * Records every delivery the service's pipeline is handed, to see what the broker says about it,
 * and those it acknowledged.
 */
function spyOn(transport: Transport, seen: Delivery[], acked: Delivery[]): Transport {
  return {
    ...transport,
    kind: transport.kind,
    consume: (queue, onDelivery, opts) =>
      transport.consume(
        queue,
        (d) => {
          seen.push(d);
          return onDelivery({
            queue: d.queue,
            body: d.body,
            headers: d.headers,
            attempt: d.attempt,
            deliveryCount: d.deliveryCount,
            redelivered: d.redelivered,
            ack: async () => {
              await d.ack();
              acked.push(d);
            },
            retry: (next) => d.retry(next),
            deadLetter: (info) => d.deadLetter(info),
          });
        },
        opts,
      ),
  };
}

describe('RabbitMQ faults', () => {
  it('broker SIGKILLed and restarted while 10,000 events flow: every effect exists exactly once', async () => {
    const run = testRun();
    const { thingHappened, otherHappened, registry } = run.contracts;
    const handler = on(thingHappened, 'effect-once', async (m, tx) => {
      await tx.query(`INSERT INTO conformance_effect (message_id, handler) VALUES ($1, 'effect-once')`, [
        m.messageId,
      ]);
    });
    let lastSeen = false;
    const last = on(otherHappened, 'last-seen', async (_m, tx) => tx.afterCommit(() => (lastSeen = true)));
    const producer = track(await startService(env, run.service('producer'), registry, []));
    const consumer = track(await startService(env, run.service('consumer'), registry, [handler, last]));

    const total = 10_000;
    const perTx = 10;
    let written = 0;
    const writers = Array.from({ length: 4 }, async () => {
      while (written < total) {
        written += perTx;
        await producer.db.transaction(async (tx) => {
          for (let i = 0; i < perTx; i++) {
            await producer.messaging.bus.publish(
              tx,
              thingHappened,
              { thingId: randomUUID(), label: 'flowing' },
              { organizationId: org, companyId: company },
            );
          }
        });
        // Part of the scenario: writes spread out, so that the broker dies while they still flow.
        await sleep(10);
      }
    });

    // Kill while writes are still going on: after some effects, before the writers are done.
    await waitFor(
      'some events consumed',
      async () => (await effectCounts(consumer.db)).total >= 500 || written >= total / 2,
      60_000,
    );
    const writtenAtKill = written;
    await killSharedRabbit();
    await waitFor(
      'both services to lose the broker',
      () => !producer.transport.isConnected() && !consumer.transport.isConnected(),
    );
    await restartSharedRabbit();
    await Promise.all(writers);
    expect(writtenAtKill).toBeLessThan(total);

    await waitFor('every effect', async () => (await effectCounts(consumer.db)).distinct === total, 90_000);
    // Every copy the broker kept through its restart is queued ahead of this last event: once it is
    // handled they were all handed out, and the consumer's stop waits for those still running. With
    // its queue empty then, no copy is left anywhere and the effects are final.
    await producer.db.transaction((tx) =>
      producer.messaging.bus.publish(tx, otherHappened, { thingId: randomUUID() }, { organizationId: org }),
    );
    await waitFor('the last event', () => lastSeen, 30_000);
    await consumer.stop();
    const names = queueNames(consumer.name);
    expect(await producer.transport.depth(names.events)).toBe(0);
    expect(await effectCounts(consumer.db)).toEqual({ total, distinct: total });
    await waitFor('the outbox all marked sent', async () => {
      const { rows } = await producer.db.query(`SELECT 1 FROM outbox WHERE sent_at IS NULL`);
      return rows.length === 0;
    });
    const missing = await consumer.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM inbox WHERE handler = 'effect-once'`,
    );
    expect(missing.rows[0]!.n).toBe(total);
    expect((await consumer.deadLetters.list()).items).toHaveLength(0);
    expect(await producer.transport.depth(names.dlq)).toBe(0);
  }, 180_000);

  it('consumer SIGKILLed mid-handler: the message is redelivered and its effect exists exactly once', async () => {
    const run = testRun();
    const { thingHappened, registry } = run.contracts;
    const consumerName = run.service('consumer');
    const producer = track(await startService(env, run.service('producer'), registry, []));
    const hanging = child('hanging-consumer', consumerName, run.id);
    await hanging.waitForLine('READY', 60_000);

    const envelope = await producer.db.transaction((tx) =>
      producer.messaging.bus.publish(
        tx,
        thingHappened,
        { thingId: randomUUID(), label: 'dies mid-handler' },
        { organizationId: org, companyId: company },
      ),
    );
    expect(await hanging.waitForLine('HANDLING')).toBe(`HANDLING ${envelope.messageId}`);
    await hanging.kill();

    const deliveries: Delivery[] = [];
    const acked: Delivery[] = [];
    const transport = spyOn(await env.transport(), deliveries, acked);
    const handler = on(thingHappened, 'effect-once', async (m, tx) => {
      await tx.query(`INSERT INTO conformance_effect (message_id, handler) VALUES ($1, 'second')`, [
        m.messageId,
      ]);
    });
    const consumer = track(await startService(env, consumerName, registry, [handler], { transport }));
    await waitFor('the effect', async () => (await effectCounts(consumer.db)).total === 1, 30_000);
    // Its one copy acknowledged: the broker holds none to hand out again.
    await waitFor('the redelivery acknowledged', () => acked.length === 1);

    const effects = await consumer.db.query(`SELECT message_id, handler FROM conformance_effect`);
    // The killed process's write died with its open transaction; the redelivery did it once.
    expect(effects.rows).toEqual([{ message_id: envelope.messageId, handler: 'second' }]);
    const events = deliveries.filter((d) => d.queue === queueNames(consumerName).events);
    expect(events).toHaveLength(1);
    expect(events[0]!.redelivered).toBe(true);
    expect(events[0]!.deliveryCount).toBe(2);
    expect((await consumer.deadLetters.list()).items).toHaveLength(0);
  }, 120_000);

  it('service SIGKILLed between its database commit and the publish: the relay publishes after restart', async () => {
    const run = testRun();
    const { thingHappened, registry } = run.contracts;
    const producerName = run.service('producer');
    const handler = on(thingHappened, 'effect-once', async (m, tx) => {
      await tx.query(`INSERT INTO conformance_effect (message_id, handler) VALUES ($1, 'effect-once')`, [
        m.messageId,
      ]);
    });
    const consumer = track(await startService(env, run.service('consumer'), registry, [handler]));

    const crashing = child('stuck-publisher', producerName, run.id);
    const committed = await crashing.waitForLine('COMMITTED', 60_000);
    await crashing.waitForLine('PUBLISHING');
    await crashing.kill();
    const messageId = committed.split(' ')[1]!;

    // Its transport only said PUBLISHING: nothing reached the broker, and the row waits unsent. Read
    // before the restart, whose relay publishes it at once.
    const before = await env.db(producerName);
    const pending = await before.query(`SELECT message_id FROM outbox WHERE sent_at IS NULL`);
    expect(pending.rows).toEqual([{ message_id: messageId }]);
    expect(await effectCounts(consumer.db)).toEqual({ total: 0, distinct: 0 });
    expect(await consumer.transport.depth(queueNames(consumer.name).events)).toBe(0);

    const producer = track(await startService(env, producerName, registry, []));
    await waitFor(
      'the effect after the restart',
      async () => (await effectCounts(consumer.db)).total === 1,
      30_000,
    );
    // Marked sent, the row is never published again: the one copy is all there will be.
    await waitFor('the outbox row marked sent', async () => {
      const { rows } = await producer.db.query(`SELECT 1 FROM outbox WHERE sent_at IS NULL`);
      return rows.length === 0;
    });
    const effects = await consumer.db.query(`SELECT message_id FROM conformance_effect`);
    expect(effects.rows).toEqual([{ message_id: messageId }]);
  }, 120_000);
});
