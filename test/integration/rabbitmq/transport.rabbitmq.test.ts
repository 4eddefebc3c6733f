import { randomBytes, randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from '#platform/messaging/headers.js';
import { NotConnectedError } from '#platform/messaging/rabbitmq/connection.js';
import { UnroutableError } from '#platform/messaging/rabbitmq/publisher.js';
import { TopologyMismatchError } from '#platform/messaging/rabbitmq/topology.js';
import {
  createRabbitTransport,
  openRabbitTransport,
  type RabbitTransport,
  type RabbitTransportOptions,
} from '#platform/messaging/rabbitmq/transport.js';
import type { Delivery, OutgoingMessage } from '#platform/messaging/transport.js';
import { waitFor } from '../../support/wait.js';
import { declaredService, slowHandler } from '../messaging/conformance-kit.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

const amqpUrl = inject('amqpUrl');
let open: RabbitTransport[] = [];
let proxies: TcpProxy[] = [];

afterEach(async () => {
  await Promise.allSettled(open.map((t) => t.close()));
  await Promise.allSettled(proxies.map((p) => p.close()));
  open = [];
  proxies = [];
});

async function transport(opts: Partial<RabbitTransportOptions> = {}): Promise<RabbitTransport> {
  const t = await createRabbitTransport({
    url: amqpUrl,
    retryDelaysMs: [50],
    reconnect: { initialMs: 50, maxMs: 200 },
    ...opts,
  });
  open.push(t);
  return t;
}

/** A service of its own per test: the broker is shared with every other test file. */
const service = () => `t${randomBytes(4).toString('hex')}`;
const event = (type: string, body: string = randomUUID()): OutgoingMessage => ({
  exchange: 'dhanman.events',
  routingKey: type,
  messageId: randomUUID(),
  body,
});

function collect(t: RabbitTransport, queue: string, opts = { prefetch: 20, concurrency: 4 }) {
  const seen: Delivery[] = [];
  const sub = t.consume(
    queue,
    async (d) => {
      seen.push(d);
      await d.ack();
    },
    opts,
  );
  return { seen, sub };
}

describe('RabbitMQ transport', () => {
  it('reconnects after losing its connections, redeclares, resumes consuming; a publish during the outage waits, then lands', async () => {
    const proxy = await startTcpProxy(amqpUrl);
    proxies.push(proxy);
    const t = await transport({ url: proxy.url, publishTimeoutMs: 10_000 });
    const { service: svc, type } = await declaredService(t);
    const { seen, sub } = collect(t, `${svc}.events`);
    await sub;
    await t.publish([event(type, 'before')]);
    await waitFor('the first message', () => seen.length === 1);

    proxy.cut();
    await waitFor('the loss to be noticed', () => !t.isConnected());
    const refusedBefore = proxy.refused;
    const during = t.publish([event(type, 'during')]);
    let landed = false;
    void during.then(() => (landed = true));
    // The transport tried the broker again, twice, and the publish still waits for it.
    await waitFor('two attempts to reconnect', () => proxy.refused >= refusedBefore + 2);
    expect(landed).toBe(false);
    proxy.resume();
    await during;
    await waitFor('both connections back', () => t.isConnected());
    await t.publish([event(type, 'after')]);
    const bodies = () => new Set(seen.map((d) => d.body.toString()));
    await waitFor('the messages after the outage', () => bodies().size === 3);
    // At least once: an ack lost with the connection brings 'before' back a second time.
    expect([...bodies()].sort()).toEqual(['after', 'before', 'during']);
  });

  it('rejects a publish once publishTimeoutMs passes without a broker', async () => {
    const proxy = await startTcpProxy(amqpUrl);
    proxies.push(proxy);
    proxy.cut();
    const t = openRabbitTransport({
      url: proxy.url,
      publishTimeoutMs: 300,
      reconnect: { initialMs: 50, maxMs: 100 },
    });
    open.push(t);
    const started = Date.now();
    await expect(t.publish([event('nobody.listens')])).rejects.toBeInstanceOf(NotConnectedError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(t.isConnected()).toBe(false);
  });

  it('refuses a command no queue takes instead of dropping it', async () => {
    const t = await transport();
    const command: OutgoingMessage = {
      exchange: 'dhanman.commands',
      routingKey: `${service()}.commands`,
      messageId: randomUUID(),
      body: '{}',
    };
    await expect(t.publish([command])).rejects.toBeInstanceOf(UnroutableError);
    await expect(t.sendToQueue(`${service()}.events`, '{}', {})).rejects.toBeInstanceOf(UnroutableError);
  });

  it('keeps a retried message in its TTL queue without holding up later ones, then hands it back with its attempt', async () => {
    const t = await transport({ retryDelaysMs: [800] });
    const { service: svc, type } = await declaredService(t);
    const arrivals: { body: string; attempt: number; at: number; headers: Record<string, unknown> }[] = [];
    await t.consume(
      `${svc}.events`,
      async (d) => {
        arrivals.push({ body: d.body.toString(), attempt: d.attempt, at: Date.now(), headers: d.headers });
        if (d.body.toString() === 'flaky' && d.attempt === 0) await d.retry(1);
        else await d.ack();
      },
      { prefetch: 10, concurrency: 2 },
    );
    const t0 = Date.now();
    await t.publish([event(type, 'flaky')]);
    await waitFor('the first try', () => arrivals.length === 1);
    const retryQueue = `${svc}.events.retry.800ms`;
    await waitFor('the copy in its TTL queue', async () => (await t.depth(retryQueue)) === 1);
    await t.publish([event(type, 'steady')]);
    await waitFor('the later message', () => arrivals.some((a) => a.body === 'steady'));
    expect(arrivals.find((a) => a.body === 'steady')!.at - t0).toBeLessThan(700);
    await waitFor('the retry', () => arrivals.filter((a) => a.body === 'flaky').length === 2, 5_000);
    const retried = arrivals.filter((a) => a.body === 'flaky')[1]!;
    expect(retried.attempt).toBe(1);
    expect(retried.at - arrivals[0]!.at).toBeGreaterThanOrEqual(750);
    expect(retried.headers[DEAD_LETTER_HEADERS.originalQueue]).toBe(`${svc}.events`);
    // The TTL queue lets go of the copy once the work queue has it, which may trail its delivery.
    await waitFor('the TTL queue empty', async () => (await t.depth(retryQueue)) === 0);
  });

  it('moves a dead letter to <service>.dlq with the reason, error, attempts, original queue and time', async () => {
    const t = await transport();
    const { service: svc, type } = await declaredService(t);
    await t.consume(
      `${svc}.events`,
      (d) =>
        d.deadLetter({
          reason: 'handler failed 4 times: ledger closed',
          category: 'handler-failed',
          error: 'ledger closed',
          stack: 'Error: ledger closed\n    at post',
          attempts: 4,
          originalQueue: d.queue,
        }),
      { prefetch: 10, concurrency: 1 },
    );
    await t.publish([event(type, 'doomed')]);
    await waitFor('the dead letter', async () => (await t.depth(`${svc}.dlq`)) === 1);
    const { seen, sub } = collect(t, `${svc}.dlq`);
    await sub;
    await waitFor('reading it back', () => seen.length === 1);
    const h = seen[0]!.headers;
    expect(seen[0]!.body.toString()).toBe('doomed');
    expect(h).toMatchObject({
      [DEAD_LETTER_HEADERS.reason]: 'handler failed 4 times: ledger closed',
      [DEAD_LETTER_HEADERS.category]: 'handler-failed',
      [DEAD_LETTER_HEADERS.error]: 'ledger closed',
      [DEAD_LETTER_HEADERS.stack]: 'Error: ledger closed\n    at post',
      [DEAD_LETTER_HEADERS.attempts]: 4,
      [DEAD_LETTER_HEADERS.originalQueue]: `${svc}.events`,
    });
    expect(Date.parse(String(h[DEAD_LETTER_HEADERS.at]))).toBeGreaterThan(Date.now() - 60_000);
    expect(await t.depth(`${svc}.events`)).toBe(0);
  });

  it('runs handlers concurrently up to the limit', async () => {
    const t = await transport();
    const { service: svc, type } = await declaredService(t);
    const slow = slowHandler();
    await t.consume(`${svc}.events`, slow.handle, { prefetch: 10, concurrency: 3 });
    await t.publish(Array.from({ length: 9 }, () => event(type)));
    await waitFor('all handled', () => slow.counts.done === 9);
    expect(slow.counts.most).toBe(3);
  });

  it('counts deliveries on quorum queues and not on classic ones', async () => {
    for (const queueType of ['quorum', 'classic'] as const) {
      const t = await transport({ queueType });
      const { service: svc, type } = await declaredService(t);
      await t.publish([event(type)]);
      const { seen, sub } = collect(t, `${svc}.events`);
      await sub;
      await waitFor('the delivery', () => seen.length === 1);
      expect(seen[0]!.deliveryCount).toBe(queueType === 'quorum' ? 1 : undefined);
      expect(seen[0]!.redelivered).toBe(false);
      expect(seen[0]!.attempt).toBe(0);
    }
  });

  it('says which queue exists with other arguments instead of failing obscurely', async () => {
    const svc = service();
    const topology = { service: svc, eventTypes: [`${svc}.happened`], commands: true };
    await (await transport({ queueType: 'quorum' })).declare(topology);
    const classic = await transport({ queueType: 'classic' });
    const err = await classic.declare(topology).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TopologyMismatchError);
    expect((err as Error).message).toContain(`${svc}.dlq`);
    // The refused topology is not remembered, so the transport stays usable.
    const other = service();
    await classic.declare({ service: other, eventTypes: [], commands: false });
    expect(await classic.depth(`${other}.events`)).toBe(0);
  });

  it('reports the depth of a queue, and an error for a queue that does not exist', async () => {
    const t = await transport();
    const { service: svc, type } = await declaredService(t);
    await t.publish([event(type), event(type), event(type)]);
    await waitFor('three waiting', async () => (await t.depth(`${svc}.events`)) === 3);
    await expect(t.depth(`${service()}.events`)).rejects.toThrow(/NOT_FOUND/);
  });
});

describe('RabbitMQ transport, channel loss', () => {
  it('redeclares and resumes when its queue is deleted under a running consumer', async () => {
    const t = await transport();
    const { service: svc, type } = await declaredService(t);
    const { seen, sub } = collect(t, `${svc}.events`);
    await sub;
    const admin = await connect(amqpUrl);
    try {
      const ch = await admin.createChannel();
      await ch.deleteQueue(`${svc}.events`);
      // Back means consuming again: the queue alone can exist before its binding is redeclared,
      // and an event published in between has nowhere to go.
      await waitFor(
        'the queue to be back with its consumer',
        async () => {
          // A check on a missing queue closes the channel it was made on: a fresh one per look.
          const probe = await admin.createChannel();
          probe.on('error', () => undefined);
          const found = await probe.checkQueue(`${svc}.events`).catch(() => undefined);
          await probe.close().catch(() => undefined);
          return found?.consumerCount === 1;
        },
        10_000,
      );
      await t.publish([event(type, 'after the delete')]);
      await waitFor('the consumer to be back', () => seen.length === 1, 10_000);
      expect(seen[0]!.body.toString()).toBe('after the delete');
    } finally {
      await admin.close();
    }
  });
});
