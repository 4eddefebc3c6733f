import type { MigrationSource } from '../data/migrate.js';
import type { Migration } from '../data/migrations.js';
import { httpMigrations } from '../http/idempotency-keys.js';
import { messagingMigrations } from '../messaging/migrations.js';
import { activityMigrations } from '../observability/activity-migrations.js';
import type { ServiceDefinition } from './service-definition.js';
import { userReplicaMigrations } from './user-replica.js';
import { sagaMigrations } from '../sagas/migrations.js';

/**
 * The platform's tables in every service's database (outbox and inbox, idempotency keys,
 * activity), applied before the service's own migrations.
 */
export const platformMigrationSources: readonly MigrationSource[] = [
  messagingMigrations,
  httpMigrations,
  activityMigrations,
];

/**
 * What a service's database is migrated with: the platform's tables first (with the user replica
 * when the service keeps users, and the saga engine's tables when it declares sagas), then its own.
 */
export function serviceMigrationSources(
  def: Pick<ServiceDefinition, 'name' | 'users'> & { migrations?: Migration[]; sagas?: unknown },
): MigrationSource[] {
  return [
    ...platformMigrationSources,
    ...(def.users ? [userReplicaMigrations(def.name, def.users)] : []),
    ...(def.sagas ? [sagaMigrations] : []),
    { name: def.name, migrations: def.migrations ?? [] },
  ];
}
