import { SERVICE_PORTS } from '#contracts/services.js';
import { loadSqlMigrations } from '#platform/data/migrate.js';
import type { ServiceDefinition } from '#platform/host/service-definition.js';
import { billHandlers } from './bills/handlers.js';
import { billRoutes } from './bills/routes.js';
import { purchaseOrderHandlers } from './purchase-orders/handlers.js';
import { purchaseOrderRoutes } from './purchase-orders/routes.js';
import { vendorRoutes } from './vendors/routes.js';
import { seedPurchase } from './seed.js';
import { users } from './users/handlers.js';

/**
 * Purchase: vendors, purchase orders with their two-level approval, and bills. The host keeps its
 * replica of users (names of requesters and approvers); who may approve comes from the caller's token.
 */
export const purchaseService: ServiceDefinition = {
  name: 'purchase',
  port: SERVICE_PORTS.purchase,
  migrations: loadSqlMigrations(new URL('./migrations/', import.meta.url)),
  users,
  routes(app, deps) {
    vendorRoutes(app, deps);
    purchaseOrderRoutes(app, deps);
    billRoutes(app, deps);
  },
  handlers: () => [...purchaseOrderHandlers(), ...billHandlers()],
  seed: (deps) => seedPurchase(deps.db),
};
