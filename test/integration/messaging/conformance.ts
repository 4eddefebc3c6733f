import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '#platform/data/db.js';
import { on } from '#platform/messaging/bus.js';
import type { MessageContract } from '#platform/messaging/contract.js';
import { queueNames, type Envelope } from '#platform/messaging/envelope.js';
import { MessageContractError, buildEnvelope } from '#platform/messaging/outbox-bus.js';
import type { Transport } from '#platform/messaging/transport.js';
import { runWithContext } from '#platform/observability/context.js';
import {
  company,
  confirmed,
  copiesLeft,
  effects,
  handled,
  org,
  startTestService,
  testRun,
  type ConformanceEnvironment,
  type TestService,
} from './conformance-kit.js';
import { waitFor } from '../../support/wait.js';

export type { ConformanceEnvironment } from './conformance-kit.js';

const TEST_TIMEOUT = 60_000;

/**
 * The behaviour both transports must show, end to end through outbox, relay, broker, consumer
 * pipeline, inbox and dead-letter archive. Run it with an environment per transport:
 * `runConformanceSuite('in-process on PGlite', async () => ({ transport, db, retryDelaysMs, ... }))`.
 */
export function runConformanceSuite(
  label: string,
  makeEnvironment: () => Promise<ConformanceEnvironment>,
): void {
  describe(`bus conformance: ${label}`, () => {
    let env: ConformanceEnvironment;
    let running: TestService[] = [];

    beforeAll(async () => {
      env = await makeEnvironment();
    }, 120_000);
    afterEach(async () => {
      await Promise.all(running.map((s) => s.stop()));
      running = [];
    });
    afterAll(async () => {
      await env?.cleanup();
    });

    const start = async (
      ...args: Parameters<typeof startTestService> extends [unknown, ...infer R] ? R : never
    ) => {
      const s = await startTestService(env, ...args);
      running.push(s);
      return s;
    };

    /** Publishes from `from` in one committed transaction, as service code does. */
    const publishFrom = <T>(from: TestService, fn: (tx: Tx) => Promise<T>): Promise<T> =>
      from.db.transaction(fn);

    const recorder = <C extends MessageContract>(contract: C, name: string) => {
      const seen: Envelope[] = [];
      const handler = on(contract, name, async (m, tx) => {
        await tx.query(`INSERT INTO conformance_effect (message_id, handler) VALUES ($1, $2)`, [
          m.messageId,
          name,
        ]);
        // Seen once its effects are committed, so a test reading the database after it finds them.
        tx.afterCommit(() => seen.push(m));
      });
      return { seen, handler };
    };

    it(
      'delivers an event to every subscribed service and to no other',
      async () => {
        const run = testRun();
        const { thingHappened, otherHappened, registry } = run.contracts;
        const a = recorder(thingHappened, 'a-records-thing');
        const b = recorder(thingHappened, 'b-records-thing');
        const c = recorder(otherHappened, 'c-records-other');
        const publisher = await start(run.service('publisher'), registry, []);
        await start(run.service('alpha'), registry, [a.handler]);
        await start(run.service('beta'), registry, [b.handler]);
        // Declared but not consuming: anything routed to it would wait in its queue.
        const gamma = await start(run.service('gamma'), registry, [c.handler], { consume: false });

        const thingId = randomUUID();
        const published = await publishFrom(publisher, (tx) =>
          publisher.messaging.bus.publish(
            tx,
            thingHappened,
            { thingId, label: 'hello' },
            { organizationId: org, companyId: company },
          ),
        );
        await waitFor('both subscribers', () => a.seen.length === 1 && b.seen.length === 1);
        for (const m of [a.seen[0]!, b.seen[0]!]) {
          expect(m).toEqual(published);
          expect(m).toMatchObject({
            type: thingHappened.type,
            version: 2,
            source: publisher.name,
            organizationId: org,
            companyId: company,
            causationId: null,
            payload: { thingId, label: 'hello' },
          });
        }
        // Then a second event for alpha and beta, and last one that gamma does take.
        const later = await publishFrom(publisher, async (tx) => {
          const second = await publisher.messaging.bus.publish(
            tx,
            thingHappened,
            { thingId, label: 'later' },
            { organizationId: org },
          );
          await publisher.messaging.bus.publish(tx, otherHappened, { thingId }, { organizationId: org });
          return second;
        });
        await waitFor('the later event at both', () => a.seen.length >= 2 && b.seen.length >= 2);
        // The relay publishes in order and waits for each batch's confirms: the last one confirmed
        // means every event before it is in every queue it was routed to.
        await waitFor(
          'the last confirmed',
          async () => (await confirmed(publisher.name, otherHappened.type)) === 1,
        );
        // Gamma's queue holds all that was routed to it: the other event alone.
        expect(await gamma.transport.depth(queueNames(gamma.name).events)).toBe(1);
        for (const r of [a, b]) {
          expect(r.seen.map((m) => m.messageId)).toEqual([published.messageId, later.messageId]);
        }
      },
      TEST_TIMEOUT,
    );

    it(
      'delivers a command to its target service only',
      async () => {
        const run = testRun();
        const { doWork, doOther, thingHappened, registry } = run.contracts;
        const worker = recorder(doWork, 'worker-does-work');
        const other = recorder(doOther, 'bystander-does-other');
        const thing = recorder(thingHappened, 'bystander-records-thing');
        const sender = await start(run.service('sender'), registry, []);
        const w = await start(run.service('worker'), registry, [worker.handler]);
        const bystander = await start(run.service('bystander'), registry, [other.handler, thing.handler], {
          consume: false,
        });

        const thingId = randomUUID();
        const first = await publishFrom(sender, (tx) =>
          sender.messaging.bus.send(tx, doWork, { thingId }, { organizationId: org }),
        );
        await waitFor('the worker', () => worker.seen.length === 1);
        expect(worker.seen[0]!.payload).toEqual({ thingId });
        expect(await effects(w.db)).toHaveLength(1);
        // Then a second command for the worker, and last one that the bystander does take.
        const later = await publishFrom(sender, async (tx) => {
          const second = await sender.messaging.bus.send(tx, doWork, { thingId }, { organizationId: org });
          await sender.messaging.bus.send(tx, doOther, { thingId }, { organizationId: org });
          return second;
        });
        await waitFor('the second command at the worker', () => worker.seen.length >= 2);
        // Confirmed last, so everything sent before it is in every queue it was routed to.
        await waitFor('the last confirmed', async () => (await confirmed(sender.name, doOther.type)) === 1);
        // The bystander's queues hold all that was routed to them: its own command alone.
        const names = queueNames(bystander.name);
        expect(await bystander.transport.depth(names.commands)).toBe(1);
        expect(await bystander.transport.depth(names.events)).toBe(0);
        expect(worker.seen.map((m) => m.messageId)).toEqual([first.messageId, later.messageId]);
      },
      TEST_TIMEOUT,
    );

    it(
      'runs the handler once when the same message is delivered twice',
      async () => {
        const run = testRun();
        const { thingHappened, registry } = run.contracts;
        const r = recorder(thingHappened, 'dedup-records-thing');
        const svc = await start(run.service('dedup'), registry, [r.handler]);
        const envelope = buildEnvelope(
          'elsewhere',
          thingHappened,
          { thingId: randomUUID(), label: 'twice' },
          {
            organizationId: org,
          },
        );
        const body = JSON.stringify(envelope);
        const queue = queueNames(svc.name).events;
        await svc.transport.sendToQueue(queue, body, {});
        await svc.transport.sendToQueue(queue, body, {});
        // Both copies handled: one ran the handler, the other was recognised by the inbox.
        await waitFor(
          'one run and one duplicate',
          async () =>
            (await handled(svc.name, 'dedup-records-thing', 'success')) === 1 &&
            (await handled(svc.name, 'dedup-records-thing', 'duplicate')) === 1,
        );
        await waitFor('both copies acknowledged', async () => (await svc.transport.depth(queue)) === 0);
        expect(r.seen).toHaveLength(1);
        expect(await effects(svc.db)).toEqual([
          { message_id: envelope.messageId, handler: 'dedup-records-thing' },
        ]);
        const inbox = await svc.db.query(`SELECT handler FROM inbox WHERE message_id = $1`, [
          envelope.messageId,
        ]);
        expect(inbox.rows).toEqual([{ handler: 'dedup-records-thing' }]);
        expect((await svc.deadLetters.list()).items).toHaveLength(0);
      },
      TEST_TIMEOUT,
    );

    it(
      'retries a failing handler after the configured delays, then dead-letters it with the reason; replay after a fix succeeds',
      async () => {
        const run = testRun();
        const { thingHappened, registry } = run.contracts;
        const calls: { at: number; label: string }[] = [];
        let fixed = false;
        let failNextAfterFix = true;
        const handler = on(thingHappened, 'fragile-posts-ledger', async (m, tx) => {
          calls.push({ at: Date.now(), label: m.payload.label });
          await tx.query(`INSERT INTO conformance_effect (message_id, handler) VALUES ($1, 'fragile')`, [
            m.messageId,
          ]);
          if (m.payload.label === 'bad' && (!fixed || failNextAfterFix)) {
            if (fixed) failNextAfterFix = false;
            throw new Error('ledger unavailable');
          }
        });
        const svc = await start(run.service('fragile'), registry, [handler]);
        const publisher = await start(run.service('source'), registry, []);

        const bad = await publishFrom(publisher, (tx) =>
          publisher.messaging.bus.publish(
            tx,
            thingHappened,
            { thingId: randomUUID(), label: 'bad' },
            { organizationId: org },
          ),
        );
        await waitFor('the first attempt', () => calls.length >= 1);
        const goodMessage = await publishFrom(publisher, (tx) =>
          publisher.messaging.bus.publish(
            tx,
            thingHappened,
            { thingId: randomUUID(), label: 'good' },
            { organizationId: org },
          ),
        );

        const dl = await waitFor('the dead letter', async () => (await svc.deadLetters.list()).items[0]);
        const badCalls = calls.filter((c) => c.label === 'bad');
        const good = calls.find((c) => c.label === 'good');
        const delays = env.retryDelaysMs;
        expect(badCalls).toHaveLength(delays.length + 1);
        for (let i = 1; i < badCalls.length; i++) {
          // Each retry comes no earlier than its delay (a few ms of timer and clock rounding allowed).
          expect(badCalls[i]!.at - badCalls[i - 1]!.at).toBeGreaterThanOrEqual(delays[i - 1]! - 5);
        }
        // The failing message did not hold up the one behind it.
        expect(good!.at).toBeLessThan(badCalls[badCalls.length - 1]!.at);

        expect(dl).toMatchObject({
          messageId: bad.messageId,
          type: thingHappened.type,
          category: 'handler-failed',
          attempts: delays.length + 1,
          originalQueue: queueNames(svc.name).events,
          status: 'open',
        });
        expect(dl.reason).toContain('ledger unavailable');
        expect(dl.reason).toContain('fragile-posts-ledger');
        const full = (await svc.deadLetters.get(dl.id))!;
        expect(full.error).toBe('ledger unavailable');
        expect(full.stack).toContain('ledger unavailable');
        expect(JSON.parse(full.body)).toEqual(bad);
        // The failed attempts' effects rolled back; only the good message's effect is there.
        expect((await effects(svc.db)).map((e) => e.message_id)).toEqual([goodMessage.messageId]);
        // Its last attempt settled, and no copy of it is left, waiting or delayed, to be tried again.
        const queue = queueNames(svc.name).events;
        await waitFor(
          'its last attempt settled and its queues empty',
          async () =>
            (await handled(svc.name, 'fragile-posts-ledger', 'dead-lettered')) === 1 &&
            (await copiesLeft(svc.transport, queue, delays)) === 0,
        );
        expect(await handled(svc.name, 'fragile-posts-ledger', 'retry')).toBe(delays.length);
        expect(calls.filter((c) => c.label === 'bad')).toHaveLength(delays.length + 1);

        // Fixed, but failing once more: a fresh attempt count sends it through the ladder again.
        fixed = true;
        const before = calls.length;
        const replay = await svc.deadLetters.replay(dl.id);
        expect(replay.outcome).toBe('done');
        await waitFor('the replayed message handled', async () =>
          (await effects(svc.db)).some((e) => e.message_id === bad.messageId),
        );
        expect(calls.length - before).toBe(2);
        expect((await svc.deadLetters.get(dl.id))!.status).toBe('replayed');
        expect((await svc.deadLetters.list({ status: 'open' })).items).toHaveLength(0);
        expect((await svc.deadLetters.replay(dl.id)).outcome).toBe('not-open');
      },
      TEST_TIMEOUT,
    );

    it(
      'dead-letters invalid JSON, an invalid envelope, an invalid payload and an unknown type at once, without retries',
      async () => {
        const run = testRun();
        const { thingHappened, registry } = run.contracts;
        const r = recorder(thingHappened, 'strict-records-thing');
        const svc = await start(run.service('strict'), registry, [r.handler]);
        const queue = queueNames(svc.name).events;
        const valid = (over: Partial<Envelope>) => ({
          ...buildEnvelope(
            'elsewhere',
            thingHappened,
            { thingId: randomUUID(), label: 'x' },
            { organizationId: org },
          ),
          ...over,
        });
        const invalidPayload = valid({ payload: { thingId: 'not-a-uuid', label: '' } });
        const unknownType = valid({ type: `${run.id}.never-declared` });
        const bodies = {
          'invalid-json': '{"messageId": "oops"',
          'invalid-envelope': JSON.stringify({ hello: 'world' }),
          'invalid-payload': JSON.stringify(invalidPayload),
          'unknown-type': JSON.stringify(unknownType),
        };
        const started = Date.now();
        for (const body of Object.values(bodies)) await svc.transport.sendToQueue(queue, body, {});

        const items = await waitFor('four dead letters', async () => {
          const page = await svc.deadLetters.list();
          return page.items.length >= 4 && page.items;
        });
        // All four arrived well before even the first retry delay would have passed twice.
        expect(Date.now() - started).toBeLessThan(5_000);
        const byCategory = Object.fromEntries(items.map((d) => [d.category, d]));
        expect(Object.keys(byCategory).sort()).toEqual(Object.keys(bodies).sort());
        for (const [category, body] of Object.entries(bodies)) {
          const dl = (await svc.deadLetters.get(byCategory[category]!.id))!;
          expect(dl.body).toBe(body);
          expect(dl.attempts).toBe(1);
          expect(dl.originalQueue).toBe(queue);
          expect(dl.reason.length).toBeGreaterThan(10);
        }
        expect(byCategory['invalid-payload']!.reason).toContain('thingId');
        expect(byCategory['unknown-type']!.reason).toContain(`${run.id}.never-declared`);
        expect(byCategory['unknown-type']!.messageId).toBe(unknownType.messageId);

        // No copy of them is left, waiting or delayed for a retry.
        await waitFor(
          'its queues empty',
          async () => (await copiesLeft(svc.transport, queue, env.retryDelaysMs)) === 0,
        );
        expect((await svc.deadLetters.list()).items).toHaveLength(4);
        expect(r.seen).toHaveLength(0);
      },
      TEST_TIMEOUT,
    );

    it(
      'upcasts an older version before the handler sees it',
      async () => {
        const run = testRun();
        const { thingHappened, registry } = run.contracts;
        const r = recorder(thingHappened, 'modern-records-thing');
        const svc = await start(run.service('modern'), registry, [r.handler]);
        const thingId = randomUUID();
        const v1 = {
          ...buildEnvelope('legacy', thingHappened, { thingId, label: 'x' }, { organizationId: org }),
          version: 1,
          payload: { thingId, name: 'from v1' },
        };
        await svc.transport.sendToQueue(queueNames(svc.name).events, JSON.stringify(v1), {});
        await waitFor('the handler', () => r.seen.length === 1);
        expect(r.seen[0]!.payload).toEqual({ thingId, label: 'from v1' });
        expect(r.seen[0]!.version).toBe(2);
      },
      TEST_TIMEOUT,
    );

    it(
      'carries the correlation id and the causing message id into what a handler publishes',
      async () => {
        const run = testRun();
        const { thingHappened, followUp, registry } = run.contracts;
        const sink = recorder(followUp, 'sink-records-follow-up');
        const origin = await start(run.service('origin'), registry, []);
        const middle = await start(run.service('middle'), registry, [
          on(thingHappened, 'middle-follows-up', async (m, tx) => {
            await middle.messaging.bus.publish(tx, followUp, { thingId: m.payload.thingId });
          }),
        ]);
        await start(run.service('sink'), registry, [sink.handler]);

        const thingId = randomUUID();
        const first = await runWithContext(
          { correlationId: `req-${run.id}`, organizationId: org, companyId: company },
          () =>
            publishFrom(origin, (tx) =>
              origin.messaging.bus.publish(tx, thingHappened, { thingId, label: 'start' }),
            ),
        );
        expect(first.correlationId).toBe(`req-${run.id}`);
        await waitFor('the follow-up', () => sink.seen.length === 1);
        expect(sink.seen[0]).toMatchObject({
          type: followUp.type,
          correlationId: `req-${run.id}`,
          causationId: first.messageId,
          organizationId: org,
          companyId: company,
          source: middle.name,
          payload: { thingId },
        });
      },
      TEST_TIMEOUT,
    );

    it(
      'publishes nothing from a rolled-back transaction, and what was committed before a restart after it',
      async () => {
        const run = testRun();
        const { thingHappened, registry } = run.contracts;
        const r = recorder(thingHappened, 'listener-records-thing');
        await start(run.service('listener'), registry, [r.handler]);
        // The publisher's relay is not running: as if it crashed right after committing.
        const down = await start(run.service('writer'), registry, [], { consume: false });

        await expect(
          down.db.transaction(async (tx) => {
            await down.messaging.bus.publish(
              tx,
              thingHappened,
              { thingId: randomUUID(), label: 'rolled back' },
              { organizationId: org },
            );
            throw new Error('the business rule said no');
          }),
        ).rejects.toThrow('the business rule said no');
        await expect(
          down.db.transaction((tx) =>
            down.messaging.bus.publish(tx, thingHappened, { thingId: 'bad' } as never, {
              organizationId: org,
            }),
          ),
        ).rejects.toBeInstanceOf(MessageContractError);
        const kept = await down.db.transaction((tx) =>
          down.messaging.bus.publish(
            tx,
            thingHappened,
            { thingId: randomUUID(), label: 'committed' },
            { organizationId: org },
          ),
        );
        // The outbox is all the relay sends from: it holds the committed message alone.
        const { rows } = await down.db.query(`SELECT message_id, sent_at FROM outbox`);
        expect(rows).toEqual([{ message_id: kept.messageId, sent_at: null }]);
        expect(await confirmed(down.name, thingHappened.type)).toBe(0);
        expect(r.seen).toHaveLength(0);
        await down.stop();

        // The restarted publisher's relay finds the row and sends it, before anything written later.
        const up = await start(down.name, registry, []);
        const later = await publishFrom(up, (tx) =>
          up.messaging.bus.publish(
            tx,
            thingHappened,
            { thingId: randomUUID(), label: 'after the restart' },
            { organizationId: org },
          ),
        );
        await waitFor('both messages', () => r.seen.length >= 2);
        expect(r.seen.map((m) => m.messageId).sort()).toEqual([kept.messageId, later.messageId].sort());
        await waitFor('the rows marked sent', async () => {
          const sent = await up.db.query(`SELECT 1 FROM outbox WHERE sent_at IS NULL`);
          return sent.rows.length === 0;
        });
      },
      TEST_TIMEOUT,
    );

    it(
      'dead-letters a message its consumer dies on every time, after the delivery limit',
      async () => {
        const run = testRun();
        const { thingHappened, registry } = run.contracts;
        const name = run.service('crashy');
        let calls = 0;
        let current: Transport | undefined;
        const dies = on(thingHappened, 'crashy-dies', async () => {
          calls++;
          // The process "dies": its connection goes without settling the message.
          void current!.close();
          throw new Error('process died');
        });
        const publisher = await start(run.service('feeder'), registry, []);
        const first = await start(name, registry, [dies], { consume: false });
        await first.stop();
        await publishFrom(publisher, (tx) =>
          publisher.messaging.bus.publish(
            tx,
            thingHappened,
            { thingId: randomUUID(), label: 'poison' },
            { organizationId: org },
          ),
        );

        let archivedBy: TestService | undefined;
        for (let life = 1; life <= env.deliveryLimit + 2 && !archivedBy; life++) {
          const transport = await env.transport();
          current = transport;
          const seenBefore = calls;
          const svc = await start(name, registry, [dies], { transport });
          const outcome = await waitFor(
            'a delivery or a dead letter',
            async () =>
              (calls > seenBefore && 'delivered') ||
              ((await svc.deadLetters.list()).items.length > 0 && 'dead-lettered'),
            20_000,
          );
          if (outcome === 'dead-lettered') archivedBy = svc;
          else {
            await svc.stop();
            await transport.close();
          }
        }
        expect(archivedBy).toBeDefined();
        const [dl] = (await archivedBy!.deadLetters.list()).items;
        expect(dl!.category).toBe('delivery-limit');
        expect(dl!.originalQueue).toBe(queueNames(name).events);
        expect(calls).toBeGreaterThanOrEqual(1);
        expect(calls).toBeLessThanOrEqual(env.deliveryLimit + 1);
        const callsAtDeadLetter = calls;
        await waitFor(
          'its queue empty',
          async () =>
            (await copiesLeft(archivedBy!.transport, queueNames(name).events, env.retryDelaysMs)) === 0,
        );
        expect(calls).toBe(callsAtDeadLetter);
      },
      TEST_TIMEOUT,
    );
  });
}
