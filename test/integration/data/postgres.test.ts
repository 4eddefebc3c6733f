import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { Db } from '#platform/data/db.js';
import { runMigrations } from '#platform/data/migrate.js';
import { openServiceDatabase } from '../../support/service-database.js';
import { databaseUrl, openPostgres, serviceDatabaseName } from '#platform/data/postgres.js';
import { uniqueName } from '../../harness/unique-name.js';

const opened: Db[] = [];
afterAll(() => Promise.all(opened.map((db) => db.close())));

/** A service database on the test server, closed after the file's tests. */
async function openTracked(service: string, databasePrefix: string, poolSize?: number): Promise<Db> {
  const db = await openPostgres({
    serverUrl: inject('databaseUrl'),
    service,
    databasePrefix,
    ...(poolSize ? { poolSize } : {}),
  });
  opened.push(db);
  return db;
}

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: inject('databaseUrl') });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('openPostgres', () => {
  it('creates the service database <prefix>_<service> on first use and connects to it', async () => {
    const prefix = uniqueName('auto');
    const name = serviceDatabaseName('sales', prefix);
    expect(name).toBe(`${prefix}_sales`);
    expect(await databaseExists(name)).toBe(false);
    const db = await openTracked('sales', prefix);
    expect(db).toMatchObject({ kind: 'postgres', service: 'sales' });
    expect(await databaseExists(name)).toBe(true);
    expect((await db.query('SELECT current_database() AS name')).rows).toEqual([{ name }]);
    // Opening again finds it.
    const again = await openTracked('sales', prefix);
    expect(await again.ping()).toBe(true);
  });

  it('lets instances racing to create the same database all start, and migrate it once', async () => {
    const prefix = uniqueName('race');
    const migrations = [
      { version: 1, name: 'runs', sql: 'CREATE TABLE runs (id serial); INSERT INTO runs DEFAULT VALUES;' },
      { version: 2, name: 'more', sql: 'INSERT INTO runs DEFAULT VALUES;' },
    ];
    const started = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const db = await openTracked('common', prefix);
        return runMigrations(db, [{ name: 'common', migrations }]);
      }),
    );
    expect(
      started
        .flat()
        .map((m) => m.version)
        .sort(),
    ).toEqual([1, 2]);
    expect((await opened.at(-1)!.query('SELECT count(*)::int AS n FROM runs')).rows).toEqual([{ n: 2 }]);
  });

  it('rejects service names that are not plain identifiers', async () => {
    await expect(openPostgres({ serverUrl: inject('databaseUrl'), service: 'Bad-Name' })).rejects.toThrow(
      'invalid service name',
    );
  });

  it('keeps credentials, host and options when pointing the URL at the service database', () => {
    expect(databaseUrl('postgres://u:p%40ss@db.example:6543/postgres?sslmode=require', 'dhanman_sales')).toBe(
      'postgres://u:p%40ss@db.example:6543/dhanman_sales?sslmode=require',
    );
  });

  it('runs transactions on separate connections of the pool, side by side', async () => {
    const db = await openTracked('pool', uniqueName('pool'), 4);
    // Four transactions that each wait for all four to have started: only possible with four connections.
    let started = 0;
    const allStarted = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (started === 4) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    const pids = await Promise.all(
      Array.from({ length: 4 }, () =>
        db.transaction(async (tx) => {
          const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          started += 1;
          await allStarted;
          return rows[0]!.pid;
        }),
      ),
    );
    expect(new Set(pids).size).toBe(4);
  });

  it('keeps working when a table changes under statements it has prepared', async () => {
    const db = await openTracked('prepared', uniqueName('prep'), 1);
    await db.exec('CREATE TABLE notes (id int PRIMARY KEY, body text)');
    await db.query('INSERT INTO notes VALUES ($1, $2)', [1, 'first']);
    const read = () => db.query('SELECT * FROM notes WHERE id = $1', [1]);
    expect((await read()).rows).toEqual([{ id: 1, body: 'first' }]);
    // Another copy of the service migrates: the prepared SELECT * now returns another row type.
    await db.exec(`ALTER TABLE notes ADD COLUMN author text NOT NULL DEFAULT 'ops'`);
    // PostgreSQL refuses the stale plan once (the caller's retry ladder covers that); the
    // statement then runs unprepared instead of failing for the life of the connection.
    await expect(read()).rejects.toMatchObject({ code: '0A000' });
    for (let i = 0; i < 3; i++) {
      expect((await read()).rows).toEqual([{ id: 1, body: 'first', author: 'ops' }]);
    }
  });
});

describe('openServiceDatabase', () => {
  it('opens PostgreSQL when a database URL is given', async () => {
    const prefix = uniqueName('open');
    const db = await openServiceDatabase({
      databaseUrl: inject('databaseUrl'),
      databasePrefix: prefix,
      service: 'payroll',
    });
    opened.push(db);
    expect(db.kind).toBe('postgres');
    expect((await db.query('SELECT current_database() AS name')).rows).toEqual([
      { name: `${prefix}_payroll` },
    ]);
  });
});
