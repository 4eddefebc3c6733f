import { randomUUID } from 'node:crypto';
import { EVENTS_EXCHANGE } from '#platform/messaging/envelope.js';
import { createRabbitTransport, type RabbitTransport } from '#platform/messaging/rabbitmq/transport.js';
import type { Subject } from './workload.js';

/**
 * (b) The bus's transport path alone: `Transport.publish` to the topic exchange (routed to the
 * service's queue) and `Transport.consume` with a handler that only acks. Same messages as (a).
 */
export function busTransport(url: string, queueType: 'quorum' | 'classic'): Subject {
  let transport: RabbitTransport;
  let service = '';
  const type = 'bench.thing-happened';
  return {
    name: 'bus transport',
    async setup() {
      transport ??= await createRabbitTransport({ url, queueType, name: 'bench' });
      service = `benchbus${randomUUID().slice(0, 8)}`;
      await transport.declare({ service, eventTypes: [type], commands: false });
    },
    publish(bodies) {
      return transport.publish(
        bodies.map((body) => ({
          exchange: EVENTS_EXCHANGE,
          routingKey: type,
          messageId: randomUUID(),
          body,
        })),
      );
    },
    async consume(onMessage) {
      const sub = await transport.consume(
        `${service}.events`,
        async (d) => {
          onMessage(d.body);
          await d.ack();
        },
        { prefetch: 100, concurrency: 16 },
      );
      return () => sub.cancel();
    },
    async close() {
      await transport?.close();
    },
  };
}
