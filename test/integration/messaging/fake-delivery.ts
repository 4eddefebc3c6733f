import type { DeadLetterInfo, Delivery } from '#platform/messaging/transport.js';

/**
 * A delivery as a broker without delivery counts (RabbitMQ classic queues) hands it over: the
 * pipeline's own bookkeeping is what is under test here, against a real database.
 */
export function delivery(body: string, over: Partial<Delivery> = {}) {
  const settled: { how: string; info?: DeadLetterInfo; nextAttempt?: number }[] = [];
  const d: Delivery = {
    queue: 'pipe.events',
    body: Buffer.from(body),
    headers: {},
    attempt: 0,
    deliveryCount: undefined,
    redelivered: false,
    ack: async () => void settled.push({ how: 'ack' }),
    retry: async (nextAttempt) => void settled.push({ how: 'retry', nextAttempt }),
    deadLetter: async (info) => void settled.push({ how: 'dead-letter', info }),
    ...over,
  };
  return { d, settled };
}
