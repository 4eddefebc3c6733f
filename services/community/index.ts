import { SERVICE_PORTS } from '#contracts/services.js';
import { loadSqlMigrations } from '#platform/data/migrate.js';
import type { ServiceDefinition } from '#platform/host/service-definition.js';
import { residentRoutes } from './residents/routes.js';
import { seedCommunity } from './seed.js';
import { users } from './users/handlers.js';

/**
 * Community: buildings, units and residents; Sales' monthly run reads the active residents. It
 * keeps users to link logins to residents later (a resident's portal) without calling Common.
 */
export const communityService: ServiceDefinition = {
  name: 'community',
  port: SERVICE_PORTS.community,
  migrations: loadSqlMigrations(new URL('./migrations/', import.meta.url)),
  users,
  routes: (app, deps) => residentRoutes(app, deps),
  seed: (deps) => seedCommunity(deps.db),
};
