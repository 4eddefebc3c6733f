import { SERVICE_PORTS } from '#contracts/services.js';
import { UserCreated, userReplicaRow } from '#contracts/common.js';
import { PERMISSIONS } from '#contracts/permissions.js';
import { loadSqlMigrations } from '#platform/data/migrate.js';
import { upsertReplica } from '#platform/data/replica.js';
import { on } from '#platform/messaging/bus.js';
import type { ServiceDefinition } from '#platform/host/service-definition.js';
import { traceRoute } from '#platform/observability/trace-route.js';
import { billHandlers } from './bills/handlers.js';
import { billRoutes } from './bills/routes.js';
import { purchaseOrderHandlers } from './purchase-orders/handlers.js';
import { purchaseOrderRoutes } from './purchase-orders/routes.js';
import { vendorRoutes } from './vendors/routes.js';
import { seedPurchase } from './seed.js';

/**
 * Purchase: vendors, purchase orders with their two-level approval, and bills. It keeps a replica
 * of users (names of requesters and approvers) fed by Common's UserCreated; who may approve comes
 * from the caller's token.
 */
export const purchaseService: ServiceDefinition = {
  name: 'purchase',
  port: SERVICE_PORTS.purchase,
  migrations: loadSqlMigrations(new URL('./migrations/', import.meta.url)),
  routes(app, deps) {
    vendorRoutes(app, deps);
    purchaseOrderRoutes(app, deps);
    billRoutes(app, deps);
    traceRoute(app, { service: 'purchase', db: deps.db, permission: PERMISSIONS.opsRead });
  },
  handlers: () => [
    on(UserCreated, 'replicate-user', (m, tx) =>
      upsertReplica(tx, 'user_replica', userReplicaRow(m), m.occurredAt),
    ),
    ...purchaseOrderHandlers(),
    ...billHandlers(),
  ],
  seed: (deps) => seedPurchase(deps.db),
};
