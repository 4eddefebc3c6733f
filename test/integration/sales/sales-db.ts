import type { Db } from '#platform/data/db.js';
import { runMigrations } from '#platform/data/migrate.js';
import { serviceMigrationSources } from '#platform/host/migration-sources.js';
import { salesService } from '#services/sales/index.js';
import { serviceDatabases } from '../../harness/service-databases.js';
import { uniqueName } from '../../harness/unique-name.js';

/** A fresh Sales database on the test server, with the platform tables Sales writes to. */
export async function openSalesDb(prefix: string): Promise<Db> {
  const db = await serviceDatabases({ databasePrefix: uniqueName(prefix) }).open('sales');
  await runMigrations(db, serviceMigrationSources(salesService));
  return db;
}
