import type { Db } from '#platform/data/db.js';
import { openPostgres } from '#platform/data/postgres.js';
import { uniqueName } from './unique-name.js';

export interface ServiceDatabasesOptions {
  /** The server; by default the run's shared one (`inject('databaseUrl')`). */
  serverUrl?: string;
  /** Databases are `<prefix>_<service>`; by default a fresh `uniqueName()`, met by nobody else. */
  databasePrefix?: string;
  poolSize?: number;
}

/** Services' own databases on a PostgreSQL server, under one prefix, closed together. */
export interface ServiceDatabases {
  readonly databasePrefix: string;
  /** The service's database, created on first use; asking twice gives two handles on the same one. */
  open(service: string): Promise<Db>;
  close(): Promise<void>;
}

export function serviceDatabases(opts: ServiceDatabasesOptions = {}): ServiceDatabases {
  const databasePrefix = opts.databasePrefix ?? uniqueName();
  const opened: Db[] = [];
  return {
    databasePrefix,
    async open(service) {
      const serverUrl = opts.serverUrl ?? (await runServerUrl());
      const db = await openPostgres({ serverUrl, service, databasePrefix, poolSize: opts.poolSize });
      opened.push(db);
      return db;
    },
    async close() {
      await Promise.all(opened.splice(0).map((db) => db.close()));
    },
  };
}

/**
 * Imported only when needed: a test's child process (a fault test's service) has no vitest to
 * import, and passes the server itself.
 */
async function runServerUrl(): Promise<string> {
  return (await import('vitest')).inject('databaseUrl');
}
