import { SERVICE_PORTS } from '../../contracts/services.js';
import { UserCreated } from '../../contracts/common.js';
import { loadSqlMigrations } from '../../platform/data/migrate.js';
import { on } from '../../platform/messaging/bus.js';
import type { ServiceDefinition } from '../../platform/host/service-definition.js';
import { communityRoutes } from './routes.js';
import { seedCommunity } from './seed.js';

/** Community: buildings, units and residents; Sales' monthly run reads the active residents. */
export const communityService: ServiceDefinition = {
  name: 'community',
  port: SERVICE_PORTS.community,
  migrations: loadSqlMigrations(new URL('./migrations/', import.meta.url)),
  routes: (app, deps) => communityRoutes(app, deps.db),
  handlers: () => [
    // Links logins to residents later (a resident's portal) without calling Common from a handler.
    on(UserCreated, 'replicate-user', async (message, tx) => {
      await tx.query(
        `INSERT INTO user_replica (id, organization_id, email, name) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name, updated_at = now()`,
        [message.payload.userId, message.organizationId, message.payload.email, message.payload.name],
      );
    }),
  ],
  seed: (deps) => seedCommunity(deps.db),
};
