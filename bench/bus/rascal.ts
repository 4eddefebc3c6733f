import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { publishWithWindow, type Subject } from './workload.js';

interface Publication {
  on(event: 'success', fn: (messageId: string) => void): Publication;
  on(event: 'error' | 'return', fn: (err: unknown) => void): Publication;
}
interface RascalSubscription {
  on(
    event: 'message',
    fn: (message: { content: Buffer }, content: unknown, ackOrNack: () => void) => void,
  ): RascalSubscription;
  on(event: 'error' | 'invalid_content', fn: (err: unknown) => void): RascalSubscription;
  cancel(): Promise<void>;
}
interface Broker {
  publish(name: string, content: string, overrides: object): Promise<Publication>;
  subscribe(name: string): Promise<RascalSubscription>;
  shutdown(): Promise<void>;
  on(event: 'error', fn: (err: unknown) => void): void;
}
// rascal ships no type declarations.
const { BrokerAsPromised } = createRequire(import.meta.url)('rascal') as {
  BrokerAsPromised: { create(config: object): Promise<Broker> };
};

/**
 * (d) The peer: rascal with its defaults (confirmed, mandatory, persistent publications; a
 * dead-letter queue and its redelivery guard on the subscription), the same workload as (b):
 * a topic exchange routing to one quorum queue, prefetch 100.
 */
export function rascalSubject(url: string, queueType: string, window = 1_000): Subject {
  let broker: Broker | undefined;
  return {
    name: 'rascal',
    async setup() {
      await broker?.shutdown();
      const queue = `bench.rascal.${randomUUID()}`;
      broker = await BrokerAsPromised.create({
        vhosts: {
          '/': {
            connection: { url },
            exchanges: { 'bench.rascal': { type: 'topic', options: { durable: true } } },
            queues: {
              [queue]: {
                options: {
                  durable: true,
                  arguments: {
                    'x-queue-type': queueType,
                    'x-dead-letter-exchange': '',
                    'x-dead-letter-routing-key': `${queue}.dlq`,
                  },
                },
              },
              [`${queue}.dlq`]: { options: { durable: true, arguments: { 'x-queue-type': queueType } } },
            },
            bindings: {
              main: { source: 'bench.rascal', destination: queue, bindingKey: 'bench.thing-happened' },
            },
            publications: { events: { exchange: 'bench.rascal', routingKey: 'bench.thing-happened' } },
            subscriptions: { events: { queue, prefetch: 100 } },
          },
        },
      });
      broker.on('error', (err) => console.error('rascal broker error', err));
    },
    publish(bodies) {
      const b = broker!;
      return publishWithWindow(bodies, window, (body, confirmed, failed) => {
        b.publish('events', body, { options: { messageId: randomUUID(), contentType: 'application/json' } })
          .then((p) => p.on('success', confirmed).on('error', failed).on('return', failed))
          .catch(failed);
      });
    },
    async consume(onMessage) {
      const sub = await broker!.subscribe('events');
      sub
        .on('message', (message, _content, ackOrNack) => {
          onMessage(message.content);
          ackOrNack();
        })
        .on('error', (err) => console.error('rascal subscription error', err));
      return () => sub.cancel();
    },
    async close() {
      await broker?.shutdown();
    },
  };
}
