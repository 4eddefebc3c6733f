import { randomUUID } from 'node:crypto';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { publishWithWindow, type Subject } from './workload.js';

const EXCHANGE = 'bench.raw';
const ROUTING_KEY = 'bench.thing-happened';

/**
 * (a) The ceiling: amqplib alone, as a careful hand-written client would use it. Persistent
 * messages, confirms with up to `window` awaiting at once, prefetch 100, one ack per message.
 * Routed like the bus's events (a topic exchange bound to one queue of the same type), so the
 * comparison is between clients, not between broker routes.
 */
export function rawAmqplib(url: string, queueType: string, window = 1_000): Subject {
  let conn: ChannelModel;
  let pub: ConfirmChannel;
  let queue = '';
  return {
    name: 'raw amqplib',
    async setup() {
      conn ??= await connect(url);
      pub ??= await conn.createConfirmChannel();
      queue = `bench.raw.${randomUUID()}`;
      await pub.assertExchange(EXCHANGE, 'topic', { durable: true });
      await pub.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': queueType } });
      await pub.bindQueue(queue, EXCHANGE, ROUTING_KEY);
    },
    publish(bodies) {
      return publishWithWindow(bodies, window, (body, confirmed, failed) => {
        const opts = { persistent: true, messageId: randomUUID(), contentType: 'application/json' };
        pub.publish(EXCHANGE, ROUTING_KEY, Buffer.from(body), opts, (err) =>
          err ? failed(err) : confirmed(),
        );
      });
    },
    async consume(onMessage) {
      const ch = await conn.createChannel();
      await ch.prefetch(100);
      const { consumerTag } = await ch.consume(queue, (msg) => {
        if (!msg) return;
        onMessage(msg.content);
        ch.ack(msg);
      });
      return async () => {
        await ch.cancel(consumerTag);
        await ch.close();
      };
    },
    async close() {
      await conn?.close();
    },
  };
}
