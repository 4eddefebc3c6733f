import { inject } from 'vitest';
import { runConformanceSuite } from '../messaging/conformance.js';
import { rabbitEnvironment } from './rabbit-env.js';

// The same numbers the in-process run uses: short delays keep the suite fast.
const retryDelaysMs = [50, 100, 150];
const deliveryLimit = 3;

for (const queueType of ['quorum', 'classic'] as const) {
  runConformanceSuite(`RabbitMQ (${queueType} queues) + PostgreSQL`, async () =>
    rabbitEnvironment({
      amqpUrl: inject('amqpUrl'),
      databaseUrl: inject('databaseUrl'),
      retryDelaysMs,
      deliveryLimit,
      transport: { queueType },
    }),
  );
}
