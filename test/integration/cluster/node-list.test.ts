import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createRabbitTransport, type RabbitTransport } from '#platform/messaging/rabbitmq/transport.js';
import type { Delivery, OutgoingMessage } from '#platform/messaging/transport.js';
import { freePort } from '../../harness/ports.js';
import { launch } from '../../support/processes.js';
import { waitFor } from '../../support/wait.js';
import { declaredService } from '../messaging/conformance-kit.js';
import { startTcpProxy, type TcpProxy } from '../rabbitmq/tcp-proxy.js';

/*
 * AMQP_URL as a list of nodes. Two proxies in front of the shared broker stand for two nodes: one
 * can be cut (its connections reset, new ones refused) without touching the broker other files use.
 * The cluster fault test does the same with real nodes and SIGKILL.
 */
const amqpUrl = inject('amqpUrl');
let open: RabbitTransport[] = [];
let proxies: TcpProxy[] = [];

afterEach(async () => {
  await Promise.allSettled(open.map((t) => t.close()));
  await Promise.allSettled(proxies.map((p) => p.close()));
  open = [];
  proxies = [];
});

const event = (type: string, body: string): OutgoingMessage => ({
  exchange: 'dhanman.events',
  routingKey: type,
  messageId: randomUUID(),
  body,
});

describe('a RabbitMQ node list', () => {
  it('a connection that loses its node moves to the next, redeclares, resumes consuming; publishes during the move land', async () => {
    const [a, b] = [await startTcpProxy(amqpUrl), await startTcpProxy(amqpUrl)];
    proxies.push(a, b);
    const t = await createRabbitTransport({
      url: `${a.url},${b.url}`,
      firstNode: 0,
      retryDelaysMs: [50],
      reconnect: { initialMs: 50, maxMs: 200 },
      publishTimeoutMs: 20_000,
    });
    open.push(t);
    const { service, type } = await declaredService(t);
    const seen: Delivery[] = [];
    await t.consume(
      `${service}.events`,
      async (d) => {
        seen.push(d);
        await d.ack();
      },
      { prefetch: 20, concurrency: 4 },
    );
    await t.publish([event(type, 'before')]);
    await waitFor('the first message', () => seen.length === 1);

    // Node A dies for good: nothing below resumes it.
    a.cut();
    const during = t.publish(Array.from({ length: 50 }, (_, i) => event(type, `during-${i}`)));
    await during;
    await waitFor('both connections on node B', () => t.isConnected());
    await t.publish([event(type, 'after')]);
    const bodies = () => new Set(seen.map((d) => d.body.toString()));
    await waitFor('every message after the move', () => bodies().size === 52);
    // Node A was never reached again once it refused: the keeper moved on instead of insisting.
    expect(a.refused).toBeLessThanOrEqual(2);
  });

  it('a dead first entry costs one attempt: the transport connects through the next node', async () => {
    const b = await startTcpProxy(amqpUrl);
    proxies.push(b);
    const dead = `amqp://guest:guest@127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const t = await createRabbitTransport({
      url: [dead, b.url],
      firstNode: 0,
      reconnect: { initialMs: 50, maxMs: 200 },
      publishTimeoutMs: 10_000,
    });
    open.push(t);
    expect(t.isConnected()).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a service given a list with a bad entry exits 78 naming the entry, and starts nothing', async () => {
    const proc = launch('bin/service.ts', ['sales'], {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres',
      AMQP_URL: 'amqp://guest:s3cret@127.0.0.1:5672,rabbit2:5672,amqp://127.0.0.1:5674',
    });
    expect(await proc.exited).toBe(78);
    const out = proc.output();
    expect(out).toMatch(
      /AMQP_URL: entry 2 of 3 \("rabbit2:5672"\): expected a URL starting with amqp:\/\/ or amqps:\/\//,
    );
    expect(out).not.toContain('s3cret');
    expect(out).not.toMatch(/listening/);
  }, 60_000);
});
