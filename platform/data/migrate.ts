import type { Logger } from 'pino';
import type { Db, Tx } from './db.js';
import type { Migration } from './migrations.js';

export { loadSqlMigrations } from './migration-files.js';

/** One owner of migrations in a database: the service itself, or a platform part (outbox, inbox...). */
export interface MigrationSource {
  name: string;
  migrations: Migration[];
}

export interface AppliedMigration {
  source: string;
  version: number;
  name: string;
}

/** The database holds versions this code does not know: it was migrated by a newer release. */
export class SchemaTooNewError extends Error {
  constructor(readonly unknown: Array<{ source: string; versions: number[] }>) {
    super(
      'refusing to run: the database has migrations this code does not know (' +
        unknown.map((u) => `${u.source}: ${u.versions.join(', ')}`).join('; ') +
        '). It was migrated by a newer release; run that release or restore a matching backup.',
    );
    this.name = 'SchemaTooNewError';
  }
}

// Transaction-level advisory lock: instances starting together take turns and the lock is released
// with the transaction even if the process dies. On PostgreSQL advisory locks are per database.
const LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('dhanman.schema_migrations'))";

const TRACKING_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    source text NOT NULL,
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, version)
  )`;

/**
 * Brings the database up to date: each source's pending migrations, in version order, each in its
 * own transaction (so a failure keeps what went before), each exactly once even when several
 * instances start at the same time.
 */
export async function runMigrations(
  db: Db,
  sources: MigrationSource[],
  log?: Logger,
): Promise<AppliedMigration[]> {
  const ordered = sources.map(validateSource);
  const names = ordered.map((s) => s.name);
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated) throw new Error(`migration source ${repeated} is listed twice`);
  const applied = await db.transaction(async (tx) => {
    await tx.query(LOCK_SQL);
    await tx.exec(TRACKING_TABLE);
    const known = await appliedVersions(tx);
    refuseUnknownVersions(ordered, known);
    return known;
  });
  const done: AppliedMigration[] = [];
  for (const source of ordered) {
    for (const migration of source.migrations) {
      if (applied.get(source.name)?.has(migration.version)) continue;
      if (await applyOnce(db, source.name, migration)) {
        done.push({ source: source.name, version: migration.version, name: migration.name });
        log?.info(
          { source: source.name, version: migration.version, migration: migration.name },
          'migration applied',
        );
      }
    }
  }
  return done;
}

async function applyOnce(db: Db, source: string, migration: Migration): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.query(LOCK_SQL);
    const existing = await tx.query('SELECT 1 FROM schema_migrations WHERE source = $1 AND version = $2', [
      source,
      migration.version,
    ]);
    if (existing.rowCount > 0) return false; // another instance applied it while we waited
    try {
      await tx.exec(migration.sql);
    } catch (err) {
      throw new Error(
        `migration ${source} ${String(migration.version).padStart(4, '0')}_${migration.name} failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
    await tx.query('INSERT INTO schema_migrations (source, version, name) VALUES ($1, $2, $3)', [
      source,
      migration.version,
      migration.name,
    ]);
    return true;
  });
}

async function appliedVersions(tx: Tx): Promise<Map<string, Set<number>>> {
  const { rows } = await tx.query<{ source: string; version: number }>(
    'SELECT source, version FROM schema_migrations',
  );
  const bySource = new Map<string, Set<number>>();
  for (const row of rows) {
    const versions = bySource.get(row.source) ?? new Set<number>();
    versions.add(row.version);
    bySource.set(row.source, versions);
  }
  return bySource;
}

function refuseUnknownVersions(sources: MigrationSource[], applied: Map<string, Set<number>>): void {
  const unknown: Array<{ source: string; versions: number[] }> = [];
  for (const source of sources) {
    const codeVersions = new Set(source.migrations.map((m) => m.version));
    const extra = [...(applied.get(source.name) ?? [])]
      .filter((v) => !codeVersions.has(v))
      .sort((a, b) => a - b);
    if (extra.length > 0) unknown.push({ source: source.name, versions: extra });
  }
  if (unknown.length > 0) throw new SchemaTooNewError(unknown);
}

function validateSource(source: MigrationSource): MigrationSource {
  if (!source.name) throw new Error('a migration source needs a name');
  const seen = new Set<number>();
  for (const m of source.migrations) {
    if (!Number.isInteger(m.version) || m.version < 1) {
      throw new Error(`migration source ${source.name}: version ${m.version} is not a positive whole number`);
    }
    if (seen.has(m.version))
      throw new Error(`migration source ${source.name}: version ${m.version} appears twice`);
    seen.add(m.version);
  }
  return { name: source.name, migrations: [...source.migrations].sort((a, b) => a.version - b.version) };
}
