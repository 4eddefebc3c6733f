import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Db } from '#platform/data/db.js';
import { runMigrations } from '#platform/data/migrate.js';
import { on } from '#platform/messaging/bus.js';
import { createConsumer } from '#platform/messaging/consumer.js';
import { ContractRegistry, defineEvent } from '#platform/messaging/contract.js';
import { checkDeliveryLimit } from '#platform/messaging/delivery-guard.js';
import { messagingMetrics } from '#platform/messaging/metrics.js';
import { messagingMigrations } from '#platform/messaging/migrations.js';
import { buildEnvelope } from '#platform/messaging/outbox-bus.js';
import { org } from './conformance-kit.js';
import { delivery } from './fake-delivery.js';
import { openPostgresBus, type TestBus } from './test-bus.js';
import { uniqueName } from '../../harness/unique-name.js';

const posted = defineEvent({ type: 'pipeline-test.posted', version: 1, schema: z.object({ n: z.number() }) });
const unhandled = defineEvent({ type: 'pipeline-test.unhandled', version: 1, schema: z.object({}) });
const registry = new ContractRegistry([posted, unhandled]);

describe('consumer pipeline', () => {
  let bus: TestBus;
  let db: Db;
  beforeAll(async () => {
    bus = await openPostgresBus({});
    db = await bus.db(uniqueName('pipe'));
    await runMigrations(db, [messagingMigrations]);
  }, 120_000);
  afterAll(() => bus?.close());

  const body = (n = 1) => JSON.stringify(buildEnvelope('elsewhere', posted, { n }, { organizationId: org }));

  it('counts redeliveries itself when the broker does not, and dead-letters past the limit', async () => {
    const text = body();
    const verdicts = [];
    for (let i = 0; i < 3; i++) {
      verdicts.push(await checkDeliveryLimit(db, delivery(text, { redelivered: true }).d, 3));
    }
    expect(verdicts.map((v) => [v.deliveries, v.exceeded])).toEqual([
      [2, false],
      [3, false],
      [4, true],
    ]);
    // A first delivery is not counted, a broker's own count is believed.
    expect(await checkDeliveryLimit(db, delivery(text).d, 3)).toMatchObject({
      exceeded: false,
      countedAs: undefined,
    });
    expect(await checkDeliveryLimit(db, delivery(text, { deliveryCount: 4 }).d, 3)).toMatchObject({
      exceeded: true,
    });
    // A retry is a new copy with a count of its own.
    expect(
      await checkDeliveryLimit(db, delivery(text, { redelivered: true, attempt: 1 }).d, 3),
    ).toMatchObject({
      deliveries: 2,
    });

    let ran = 0;
    const consume = createConsumer({
      service: db.service,
      db,
      registry,
      handlers: [on(posted, 'never-runs', async () => void ran++)],
      retryDelaysMs: [10],
      deliveryLimit: 3,
    });
    const { d, settled } = delivery(text, { redelivered: true });
    await consume(d);
    expect(ran).toBe(0);
    expect(settled).toHaveLength(1);
    expect(settled[0]!.how).toBe('dead-letter');
    expect(settled[0]!.info).toMatchObject({
      category: 'delivery-limit',
      originalQueue: 'pipe.events',
      attempts: 1,
    });
    expect(settled[0]!.info!.reason).toContain('delivered 5 times (limit 3)');
    const left = await db.query(`SELECT deliveries FROM delivery_attempt WHERE queue = 'pipe.events'`);
    expect(left.rows).toEqual([{ deliveries: 2 }]); // only the attempt-1 copy's count is still open
  });

  it('forgets the count once a redelivered copy is settled', async () => {
    const text = body(2);
    let ran = 0;
    const consume = createConsumer({
      service: db.service,
      db,
      registry,
      handlers: [on(posted, 'runs', async () => void ran++)],
      retryDelaysMs: [10],
    });
    const { d, settled } = delivery(text, { redelivered: true, queue: 'pipe.other' });
    await consume(d);
    expect(ran).toBe(1);
    expect(settled.map((s) => s.how)).toEqual(['ack']);
    expect((await db.query(`SELECT 1 FROM delivery_attempt WHERE queue = 'pipe.other'`)).rows).toHaveLength(
      0,
    );
  });

  it('retries only the handler that failed: the others are in the inbox already', async () => {
    const calls = { ledger: 0, mail: 0 };
    let mailWorks = false;
    const consume = createConsumer({
      service: db.service,
      db,
      registry,
      handlers: [
        on(posted, 'posts-ledger', async () => void calls.ledger++),
        on(posted, 'sends-mail', async () => {
          calls.mail++;
          if (!mailWorks) throw new Error('smtp down');
        }),
      ],
      retryDelaysMs: [10, 20],
    });
    const text = body(3);
    const first = delivery(text);
    await consume(first.d);
    expect(first.settled).toEqual([{ how: 'retry', nextAttempt: 1 }]);
    mailWorks = true;
    const second = delivery(text, { attempt: 1 });
    await consume(second.d);
    expect(second.settled.map((s) => s.how)).toEqual(['ack']);
    expect(calls).toEqual({ ledger: 1, mail: 2 });
  });

  it('dead-letters after the last rung of the ladder with the error and the stack', async () => {
    const consume = createConsumer({
      service: db.service,
      db,
      registry,
      handlers: [
        on(posted, 'always-fails', async () => {
          throw new TypeError('cannot read the rate card');
        }),
      ],
      retryDelaysMs: [10, 20],
    });
    const { d, settled } = delivery(body(4), { attempt: 2 });
    await consume(d);
    expect(settled).toHaveLength(1);
    expect(settled[0]!.info).toMatchObject({
      category: 'handler-failed',
      error: 'cannot read the rate card',
      attempts: 3,
      originalQueue: 'pipe.events',
    });
    expect(settled[0]!.info!.stack).toContain('TypeError: cannot read the rate card');
  });

  it('acknowledges a known type nobody here handles', async () => {
    const consume = createConsumer({ service: db.service, db, registry, handlers: [], retryDelaysMs: [10] });
    const { d, settled } = delivery(
      JSON.stringify(buildEnvelope('x', unhandled, {}, { organizationId: org })),
    );
    await consume(d);
    expect(settled.map((s) => s.how)).toEqual(['ack']);
  });

  it('never throws, even when the broker refuses to settle', async () => {
    const consume = createConsumer({
      service: db.service,
      db,
      registry,
      handlers: [on(posted, 'fine', async () => undefined)],
      retryDelaysMs: [10],
    });
    const { d } = delivery(body(5), {
      ack: async () => {
        throw new Error('channel closed');
      },
    });
    await expect(consume(d)).resolves.toBeUndefined();
    const bad = delivery('not json', {
      deadLetter: async () => {
        throw new Error('channel closed');
      },
    });
    await expect(consume(bad.d)).resolves.toBeUndefined();
  });

  it('refuses two handlers with the same name (the inbox key)', () => {
    expect(() =>
      createConsumer({
        service: 's',
        db,
        registry,
        handlers: [on(posted, 'same', async () => undefined), on(posted, 'same', async () => undefined)],
        retryDelaysMs: [],
      }),
    ).toThrow(/named same/);
  });

  it('counts outcomes and handler time per service, type and handler', async () => {
    const service = uniqueName('metrics');
    const consume = createConsumer({
      service,
      db,
      registry,
      handlers: [on(posted, 'counted', async () => undefined)],
      retryDelaysMs: [10],
    });
    const text = body(6);
    await consume(delivery(text).d);
    await consume(delivery(text, { redelivered: true }).d);
    await consume(delivery('{').d);
    const consumed = (await messagingMetrics.consumed.get()).values.filter(
      (v) => v.labels.service === service,
    );
    const count = (outcome: string) => consumed.find((v) => v.labels.outcome === outcome)?.value;
    expect(count('success')).toBe(1);
    expect(count('duplicate')).toBe(1);
    const dead = (await messagingMetrics.deadLettered.get()).values.find((v) => v.labels.service === service);
    expect(dead).toMatchObject({ value: 1, labels: { category: 'invalid-json' } });
    const timing = (await messagingMetrics.handlerDuration.get()).values.find(
      (v) => v.labels.service === service && v.metricName?.endsWith('_count'),
    );
    // Timed when the handler ran; the duplicate was turned away by the inbox before it.
    expect(timing?.value).toBe(1);
  });
});
