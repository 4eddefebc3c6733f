import { SERVICE_PORTS } from '#contracts/services.js';
import { UserCreated, userReplicaRow } from '#contracts/common.js';
import { loadSqlMigrations } from '#platform/data/migrate.js';
import { upsertReplica } from '#platform/data/replica.js';
import { on } from '#platform/messaging/bus.js';
import type { ServiceDefinition } from '#platform/host/service-definition.js';
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
    on(UserCreated, 'replicate-user', (m, tx) =>
      upsertReplica(tx, 'user_replica', userReplicaRow(m), m.occurredAt),
    ),
  ],
  seed: (deps) => seedCommunity(deps.db),
};
