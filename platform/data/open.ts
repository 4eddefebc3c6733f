import type { Logger } from 'pino';
import type { Db } from './db.js';
import { openEmbedded } from './pglite.js';
import { openPostgres } from './postgres.js';

/** Where the databases of a process come from. */
export interface DatabaseOptions {
  /** A PostgreSQL server (any of its databases): each service gets `<prefix>_<service>` on it. */
  databaseUrl?: string;
  databasePrefix?: string;
  /** Without `databaseUrl`: the embedded instance's data directory (or `memory://`). */
  dataDir?: string;
  poolSize?: number;
  log?: Logger;
}

/** Hands out each service's database; `close()` releases what the source itself holds. */
export interface DatabaseSource {
  readonly kind: 'postgres' | 'pglite';
  forService(service: string): Promise<Db>;
  close(): Promise<void>;
}

/**
 * PostgreSQL when a URL is given (a database per service), otherwise one embedded PGlite instance
 * for the whole process (a schema and role per service).
 */
export async function openDatabases(opts: DatabaseOptions): Promise<DatabaseSource> {
  const { databaseUrl } = opts;
  if (databaseUrl) {
    return {
      kind: 'postgres',
      forService: (service) =>
        openPostgres({
          serverUrl: databaseUrl,
          service,
          ...(opts.databasePrefix ? { databasePrefix: opts.databasePrefix } : {}),
          ...(opts.poolSize ? { poolSize: opts.poolSize } : {}),
          ...(opts.log ? { log: opts.log } : {}),
        }),
      close: async () => undefined,
    };
  }
  const embedded = await openEmbedded({
    dataDir: opts.dataDir ?? 'memory://',
    ...(opts.log ? { log: opts.log } : {}),
  });
  return {
    kind: 'pglite',
    forService: (service) => embedded.forService(service),
    close: () => embedded.close(),
  };
}
