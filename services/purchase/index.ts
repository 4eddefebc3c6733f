import { SERVICE_PORTS } from '#contracts/services.js';
import { userFeed } from '#contracts/common.js';
import { loadSqlMigrations } from '#platform/data/migrate.js';
import type { ServiceDefinition } from '#platform/host/service-definition.js';
import { purchaseRoutes } from './routes.js';
import { seedPurchase } from './seed.js';

/**
 * Purchase: vendors today; purchase orders with their approval workflow and bills build on it.
 * It keeps a replica of users with their roles, because approvals need to know who is a manager
 * or a CFO without calling Common from a handler.
 */
export const purchaseService: ServiceDefinition = {
  name: 'purchase',
  port: SERVICE_PORTS.purchase,
  migrations: loadSqlMigrations(new URL('./migrations/', import.meta.url)),
  routes: (app, deps) => purchaseRoutes(app, deps.db),
  users: userFeed,
  seed: (deps) => seedPurchase(deps.db),
};
