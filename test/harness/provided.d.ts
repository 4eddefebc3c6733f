import 'vitest';
import type { RabbitNodeSpec } from './rabbitmq-node.js';

/** What `global-setup.ts` hands to integration tests through `inject(...)`. */
declare module 'vitest' {
  export interface ProvidedContext {
    /** `postgres://postgres@127.0.0.1:PORT/postgres` of the run's shared PostgreSQL server. */
    databaseUrl: string;
    /** `amqp://guest:guest@127.0.0.1:PORT` of the run's shared RabbitMQ node. */
    amqpUrl: string;
    /** Where the shared RabbitMQ node lives (dir, node name, ports, pid file): see `rabbit-control.ts`. */
    rabbitNode: RabbitNodeSpec;
  }
}
