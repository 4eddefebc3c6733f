import { inject } from 'vitest';
import type { Db } from '../../../platform/data/db.js';
import { loadSqlMigrations, runMigrations } from '../../../platform/data/migrate.js';
import { openPostgres } from '../../../platform/data/postgres.js';
import { platformMigrationSources } from '../../../platform/host/migration-sources.js';
import { uniqueName } from '../../harness/unique-name.js';

/** A fresh Sales database on the test server, with the platform tables Sales writes to. */
export async function openSalesDb(prefix: string): Promise<Db> {
  const db = await openPostgres({
    serverUrl: inject('databaseUrl'),
    service: 'sales',
    databasePrefix: uniqueName(prefix),
  });
  await runMigrations(db, [
    ...platformMigrationSources,
    {
      name: 'sales',
      migrations: loadSqlMigrations(new URL('../../../services/sales/migrations/', import.meta.url)),
    },
  ]);
  return db;
}
