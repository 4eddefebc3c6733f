import path from 'node:path';
import type { Logger } from 'pino';
import type { Db } from '../data/db.js';
import { openDatabases, type DatabaseSource } from '../data/open.js';
import type { Transport } from '../messaging/transport.js';
import { createInProcessTransport } from '../messaging/inprocess/transport.js';
import { createRabbitTransport } from '../messaging/rabbitmq/transport.js';
import { ConfigError } from '../config/env.js';
import { startTracing } from '../observability/tracing-sdk.js';
import { tracedDb } from '../observability/traced-db.js';
import type { RuntimeConfig } from './runtime-config.js';

/**
 * What the services of one process share: where databases come from and the bus transport.
 * Embedded: one PGlite instance (a schema per service) and the in-process transport, whose queues
 * live in that same instance. Distributed: PostgreSQL (a database per service) and RabbitMQ.
 */
export interface Runtime {
  readonly mode: 'embedded' | 'distributed';
  readonly config: RuntimeConfig;
  openDatabase(service: string): Promise<Db>;
  transport(): Promise<Transport>;
  close(): Promise<void>;
}

export async function createRuntime(config: RuntimeConfig, log: Logger): Promise<Runtime> {
  if (Boolean(config.DATABASE_URL) !== Boolean(config.AMQP_URL)) {
    throw new ConfigError([
      'DATABASE_URL and AMQP_URL: expected both (PostgreSQL + RabbitMQ) or neither (embedded PGlite + in-process bus)',
    ]);
  }
  // Before the databases open: they are wrapped in spans only when tracing is on.
  const tracing = config.OTEL_EXPORTER_OTLP_ENDPOINT
    ? startTracing({
        endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
        exportDelayMs: config.OTEL_BSP_SCHEDULE_DELAY,
        sampler: config.OTEL_TRACES_SAMPLER,
        samplerRatio: config.OTEL_TRACES_SAMPLER_ARG,
      })
    : undefined;
  const databases: DatabaseSource = await openDatabases({
    ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
    databasePrefix: config.DATABASE_PREFIX,
    poolSize: config.DATABASE_POOL_SIZE,
    dataDir:
      config.DHANMAN_DATA_DIR === 'memory://' ? 'memory://' : path.resolve(config.DHANMAN_DATA_DIR, 'pgdata'),
    log,
  });
  const busLog = log.child({ part: 'bus' });
  const amqpUrl = config.AMQP_URL;
  const makeTransport = (): Promise<Transport> =>
    amqpUrl
      ? createRabbitTransport({
          url: amqpUrl,
          queueType: config.BUS_QUEUE_TYPE,
          retryDelaysMs: config.BUS_RETRY_DELAYS_MS,
          deliveryLimit: config.BUS_DELIVERY_LIMIT,
          name: `dhanman-${process.pid}`,
          log: busLog,
        })
      : databases
          .forService('bus')
          .then((db) =>
            createInProcessTransport({ db, retryDelaysMs: config.BUS_RETRY_DELAYS_MS, log: busLog }),
          );

  let transport: Promise<Transport> | undefined;
  return {
    mode: amqpUrl ? 'distributed' : 'embedded',
    config,
    openDatabase: (service) =>
      tracing ? databases.forService(service).then(tracedDb) : databases.forService(service),
    transport() {
      transport ??= makeTransport();
      return transport;
    },
    async close() {
      if (transport) await (await transport).close();
      await databases.close();
      await tracing?.shutdown();
    },
  };
}
