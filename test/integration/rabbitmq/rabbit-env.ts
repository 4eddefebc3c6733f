import { randomBytes } from 'node:crypto';
import type { Db } from '../../../platform/data/db.js';
import { openPostgres } from '../../../platform/data/postgres.js';
import {
  createRabbitTransport,
  type RabbitTransport,
  type RabbitTransportOptions,
} from '../../../platform/messaging/rabbitmq/transport.js';
import { runMigrations } from '../../../platform/data/migrate.js';
import type { MessageHandler } from '../../../platform/messaging/bus.js';
import type { ContractRegistry } from '../../../platform/messaging/contract.js';
import { createMessaging, type MessagingOptions } from '../../../platform/messaging/messaging.js';
import { messagingMigrations } from '../../../platform/messaging/migrations.js';
import type { Transport } from '../../../platform/messaging/transport.js';
import type { ConformanceEnvironment, TestService } from '../messaging/conformance-kit.js';

/** What the fault tests' processes (the test and its children) agree on. */
export const FAULT_RETRY_DELAYS_MS = [50, 100, 150];
export const FAULT_DELIVERY_LIMIT = 5;

export interface RabbitEnvironmentOptions {
  amqpUrl: string;
  databaseUrl: string;
  retryDelaysMs: readonly number[];
  deliveryLimit: number;
  transport?: Partial<RabbitTransportOptions>;
  /** Set it to reach the databases another process made for the same services. */
  databasePrefix?: string;
}

/**
 * The conformance environment on RabbitMQ + PostgreSQL: each `transport()` is a process's own
 * pair of connections; each service gets its own database under a prefix unique to this
 * environment, so test files sharing the servers never meet.
 */
export function rabbitEnvironment(o: RabbitEnvironmentOptions): ConformanceEnvironment & {
  transport(overrides?: Partial<RabbitTransportOptions>): Promise<RabbitTransport>;
  databasePrefix: string;
} {
  const databasePrefix = o.databasePrefix ?? `t${randomBytes(4).toString('hex')}`;
  const transports: RabbitTransport[] = [];
  const dbs: Db[] = [];
  return {
    databasePrefix,
    retryDelaysMs: o.retryDelaysMs,
    deliveryLimit: o.deliveryLimit,
    async transport(overrides: Partial<RabbitTransportOptions> = {}) {
      const t = await createRabbitTransport({
        url: o.amqpUrl,
        retryDelaysMs: o.retryDelaysMs,
        deliveryLimit: o.deliveryLimit,
        publishTimeoutMs: 10_000,
        reconnect: { initialMs: 50, maxMs: 500 },
        ...o.transport,
        ...overrides,
      });
      transports.push(t);
      return t;
    },
    async db(service) {
      const db = await openPostgres({ serverUrl: o.databaseUrl, service, databasePrefix, poolSize: 5 });
      dbs.push(db);
      return db;
    },
    async cleanup() {
      await Promise.allSettled(transports.map((t) => t.close()));
      await Promise.allSettled(dbs.map((d) => d.close()));
    },
  };
}

export interface ServiceOptions {
  transport?: Transport;
  consume?: boolean;
  relay?: MessagingOptions['relay'];
}

/**
 * A service on the bus as the conformance kit starts one (its database with the messaging tables
 * and `conformance_effect`), with the relay settings a fault test needs (a short lease, so a
 * restarted process takes over from a killed one quickly).
 */
export async function startService(
  env: ConformanceEnvironment,
  name: string,
  registry: ContractRegistry,
  handlers: MessageHandler[],
  opts: ServiceOptions = {},
): Promise<TestService> {
  const db = await env.db(name);
  await runMigrations(db, [messagingMigrations]);
  await db.exec(
    `CREATE TABLE IF NOT EXISTS conformance_effect (message_id uuid NOT NULL, handler text NOT NULL)`,
  );
  const transport = opts.transport ?? (await env.transport());
  const messaging = createMessaging({
    service: name,
    db,
    transport,
    registry,
    handlers,
    retryDelaysMs: env.retryDelaysMs,
    deliveryLimit: env.deliveryLimit,
    prefetch: 50,
    concurrency: 8,
    relay: { pollIntervalMs: 200, leaseMs: 1_000, backoffMs: { initial: 50, max: 500 }, ...opts.relay },
  });
  if (opts.consume === false) await messaging.declare();
  else await messaging.start();
  return {
    name,
    db,
    transport,
    messaging,
    async stop() {
      await messaging.stop();
      if (!opts.transport) await transport.close();
    },
  };
}
