import { inject } from 'vitest';
import type { Db } from '../../../platform/data/db.js';
import { openEmbedded, type EmbeddedDatabase } from '../../../platform/data/pglite.js';
import { openPostgres } from '../../../platform/data/postgres.js';
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
  const opened: Db[] = [];
  return {
    name: 'PostgreSQL',
    async open(name = uniqueName('svc')) {
      const db = await openPostgres({
        serverUrl: inject('databaseUrl'),
        service: name,
        databasePrefix: 'dt',
        poolSize: 5,
      });
      opened.push(db);
      return db;
    },
    async close() {
      await Promise.all(opened.map((db) => db.close()));
    },
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
