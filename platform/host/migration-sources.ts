import type { MigrationSource } from '../data/migrate.js';
import type { Migration } from '../data/migrations.js';
import { httpMigrations } from '../http/idempotency.js';
import { messagingMigrations } from '../messaging/migrations.js';
import { activityMigrations } from '../observability/activity.js';
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

/** What a service's database is migrated with: the platform's tables first, then its own. */
export function serviceMigrationSources(def: {
  name: string;
  migrations?: Migration[];
  sagas?: unknown;
}): MigrationSource[] {
  return [
    ...platformMigrationSources,
    // The saga engine's tables, only where a service declares sagas.
    ...(def.sagas ? [sagaMigrations] : []),
    { name: def.name, migrations: def.migrations ?? [] },
  ];
}
