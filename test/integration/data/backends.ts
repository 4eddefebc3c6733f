import type { Db } from '#platform/data/db.js';
import { openEmbedded, type EmbeddedDatabase } from '#platform/data/pglite.js';
import { serviceDatabases } from '../../harness/service-databases.js';
import { uniqueName } from '../../harness/unique-name.js';

/**
 * The two implementations of Db, each able to hand out fresh, empty databases: on PostgreSQL a new
 * database (a fresh prefix), on PGlite a new service schema in one shared in-memory instance.
 */
export interface Backend {
  name: 'PostgreSQL' | 'PGlite';
  /** The database of service `name` (a fresh one by default); the same name opens the same one again. */
  open(name?: string): Promise<Db>;
  close(): Promise<void>;
}

export function postgresBackend(): Backend {
  // A short fixed prefix: the service name is the unique part, and both must fit in 63 characters.
  const databases = serviceDatabases({ databasePrefix: 'dt', poolSize: 5 });
  return {
    name: 'PostgreSQL',
    open: (name = uniqueName('svc')) => databases.open(name),
    close: () => databases.close(),
  };
}

export function pgliteBackend(): Backend {
  let embedded: Promise<EmbeddedDatabase> | undefined;
  return {
    name: 'PGlite',
    async open(name = uniqueName('svc')) {
      // One instance per test file (each costs ~0.8 GB): a fresh database is a fresh service schema.
      embedded ??= openEmbedded({ dataDir: 'memory://' });
      return (await embedded).forService(name);
    },
    async close() {
      if (embedded) await (await embedded).close();
    },
  };
}

export const backends = (): Backend[] => [postgresBackend(), pgliteBackend()];
