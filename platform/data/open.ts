import type { Logger } from 'pino';
import type { Db, Row } from './db.js';
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

/**
 * The database of one service in a process that runs only that service. Closing the Db also
 * closes the embedded instance it may have started.
 */
export async function openServiceDatabase(opts: DatabaseOptions & { service: string }): Promise<Db> {
  const source = await openDatabases(opts);
  try {
    const db = await source.forService(opts.service);
    return {
      kind: db.kind,
      service: db.service,
      query: <T = Row>(sql: string, params?: readonly unknown[]) => db.query<T>(sql, params),
      exec: (sql) => db.exec(sql),
      transaction: (fn) => db.transaction(fn),
      ping: () => db.ping(),
      async close() {
        await db.close();
        await source.close();
      },
    };
  } catch (err) {
    await source.close();
    throw err;
  }
}
