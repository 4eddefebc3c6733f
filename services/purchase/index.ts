import { SERVICE_PORTS } from '../../contracts/services.js';
import { UserCreated } from '../../contracts/common.js';
import { loadSqlMigrations } from '../../platform/data/migrate.js';
import { on } from '../../platform/messaging/bus.js';
import type { ServiceDefinition } from '../../platform/host/service-definition.js';
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
  handlers: () => [
    on(UserCreated, 'replicate-user', async (message, tx) => {
      const { userId, email, name, roles } = message.payload;
      await tx.query(
        `INSERT INTO user_replica (id, organization_id, email, name, roles) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name, roles = EXCLUDED.roles,
           updated_at = now()`,
        [userId, message.organizationId, email, name, roles],
      );
    }),
  ],
  seed: (deps) => seedPurchase(deps.db),
};
