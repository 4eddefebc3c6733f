import {
  createRabbitTransport,
  type RabbitTransport,
  type RabbitTransportOptions,
} from '#platform/messaging/rabbitmq/transport.js';
import { serviceDatabases } from '../../harness/service-databases.js';
import { startTestService, type ConformanceEnvironment } from '../messaging/conformance-kit.js';

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
  const databases = serviceDatabases({
    serverUrl: o.databaseUrl,
    databasePrefix: o.databasePrefix,
    poolSize: 5,
  });
  const transports: RabbitTransport[] = [];
  return {
    databasePrefix: databases.databasePrefix,
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
    db: (service) => databases.open(service),
    async cleanup() {
      await Promise.allSettled(transports.map((t) => t.close()));
      // Best effort, like the transports: a fault test may have left connections broken.
      await databases.close().catch(() => undefined);
    },
  };
}

/**
 * A service on the bus as the conformance kit starts one, with the relay settings a fault test
 * needs (a short lease, so a restarted process takes over from a killed one quickly).
 */
export const startService: typeof startTestService = (env, name, registry, handlers, opts = {}) =>
  startTestService(env, name, registry, handlers, {
    prefetch: 50,
    concurrency: 8,
    ...opts,
    relay: { pollIntervalMs: 200, leaseMs: 1_000, backoff: { initialMs: 50, maxMs: 500 }, ...opts.relay },
  });
