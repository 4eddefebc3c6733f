import type { Db } from '../data/db.js';
import { startJobs } from '../jobs/pgboss.js';
import type { ContractRegistry } from '../messaging/contract.js';
import { createMessaging } from '../messaging/messaging.js';
import type { ServiceTopology } from '../messaging/transport.js';
import { SagaEngine } from '../sagas/engine.js';
import { housekeepingJobs } from './housekeeping.js';
import type { ServiceBuild } from './service-deps.js';
import { serviceHandlers } from './user-replica.js';

/**
 * Fills `parts` with what runs besides HTTP: the bus (outbox relay and consumers, with the user
 * replica's handler), the saga engine, and the job queue with the service's, the sagas' and the
 * host's own jobs. Nothing consumes or relays yet (see `Messaging.start`).
 */
export async function startBackground(
  { def, deps, db, transport, runtime, parts }: ServiceBuild & { db: Db },
  bus: { contracts: ContractRegistry; subscriptions?: readonly ServiceTopology[] | undefined },
): Promise<void> {
  const { config } = runtime;
  const { log } = deps;
  if (transport) {
    parts.messaging = createMessaging({
      service: def.name,
      db,
      transport,
      registry: bus.contracts,
      handlers: serviceHandlers(def, deps),
      subscriptions: bus.subscriptions,
      retryDelaysMs: config.BUS_RETRY_DELAYS_MS,
      prefetch: config.BUS_PREFETCH,
      concurrency: config.BUS_CONCURRENCY,
      batchSize: config.BUS_BATCH_SIZE,
      deliveryLimit: config.BUS_DELIVERY_LIMIT,
      outboxRetentionMs: config.OUTBOX_RETENTION_MS,
      relay: { leaseMs: config.OUTBOX_LEASE_MS },
      log,
    });
  }
  const sagaDefinitions = def.sagas?.(deps) ?? [];
  if (sagaDefinitions.length > 0) {
    parts.sagas = new SagaEngine({
      service: def.name,
      db,
      jobs: deps.jobs,
      log,
      definitions: sagaDefinitions,
      leaseMs: config.SAGA_LEASE_MS,
    });
  }
  parts.jobs = await startJobs({
    db,
    service: def.name,
    definitions: [
      ...(def.jobs?.(deps) ?? []),
      ...(parts.sagas?.jobDefinitions() ?? []),
      ...housekeepingJobs(db, log),
    ],
    log,
    defaultRetryDelaysSeconds: config.JOB_RETRY_DELAYS_MS.map((ms) => ms / 1000),
  });
}
