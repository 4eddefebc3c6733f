import { afterAll, describe, expect, it } from 'vitest';
import { runMigrations, SchemaTooNewError, type MigrationSource } from '#platform/data/migrate.js';
import { uniqueName } from '../../harness/unique-name.js';
import { backends } from './backends.js';

const customers: MigrationSource = {
  name: 'customers',
  migrations: [
    { version: 1, name: 'create_customers', sql: 'CREATE TABLE customers (id int PRIMARY KEY, name text);' },
    {
      version: 2,
      name: 'log_runs',
      // Counts how often this migration ran: exactly once, however many instances start together.
      sql: 'CREATE TABLE migration_runs (at timestamptz DEFAULT now()); INSERT INTO migration_runs DEFAULT VALUES;',
    },
    { version: 3, name: 'add_email', sql: 'ALTER TABLE customers ADD COLUMN email text;' },
  ],
};
const outbox: MigrationSource = {
  name: 'outbox',
  migrations: [{ version: 1, name: 'create_outbox', sql: 'CREATE TABLE outbox (id bigserial PRIMARY KEY);' }],
};

describe.each(backends())('runMigrations on $name', (backend) => {
  afterAll(() => backend.close());

  it('applies each source in version order, once, and records it', async () => {
    const db = await backend.open();
    const shuffled = { ...customers, migrations: [...customers.migrations].reverse() };
    const applied = await runMigrations(db, [outbox, shuffled]);
    expect(applied.map((m) => `${m.source}:${m.version}:${m.name}`)).toEqual([
      'outbox:1:create_outbox',
      'customers:1:create_customers',
      'customers:2:log_runs',
      'customers:3:add_email',
    ]);
    expect(await runMigrations(db, [outbox, customers])).toEqual([]);
    const { rows } = await db.query<{ source: string; version: number; applied_at: unknown }>(
      'SELECT source, version, name, applied_at FROM schema_migrations ORDER BY source, version',
    );
    expect(rows.map((r) => `${r.source}:${r.version}`)).toEqual([
      'customers:1',
      'customers:2',
      'customers:3',
      'outbox:1',
    ]);
    expect(rows.every((r) => r.applied_at instanceof Date)).toBe(true);
    await db.query("INSERT INTO customers (id, name, email) VALUES (1, 'a', 'a@example.org')");
  });

  it('applies only what is new when the code gains migrations', async () => {
    const db = await backend.open();
    await runMigrations(db, [{ ...customers, migrations: customers.migrations.slice(0, 2) }]);
    const applied = await runMigrations(db, [customers]);
    expect(applied).toEqual([{ source: 'customers', version: 3, name: 'add_email' }]);
  });

  it('refuses to run against a database migrated by newer code, naming source and versions', async () => {
    const db = await backend.open();
    await runMigrations(db, [customers]);
    const older = { ...customers, migrations: customers.migrations.slice(0, 1) };
    const refusal = await runMigrations(db, [outbox, older]).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(SchemaTooNewError);
    expect((refusal as Error).message).toContain('customers: 2, 3');
    // Nothing else was applied either: the outbox source waits for a matching release.
    expect(
      (await db.query("SELECT count(*)::int AS n FROM schema_migrations WHERE source = 'outbox'")).rows,
    ).toEqual([{ n: 0 }]);
  });

  it('keeps earlier migrations and none of a failing one, and says which failed', async () => {
    const db = await backend.open();
    const broken: MigrationSource = {
      name: 'broken',
      migrations: [
        { version: 1, name: 'fine', sql: 'CREATE TABLE fine (id int);' },
        { version: 2, name: 'half', sql: 'CREATE TABLE half (id int); SELECT no_such_function();' },
      ],
    };
    await expect(runMigrations(db, [broken])).rejects.toThrow(/broken 0002_half failed: .*no_such_function/);
    expect((await db.query('SELECT source, version FROM schema_migrations')).rows).toEqual([
      { source: 'broken', version: 1 },
    ]);
    await expect(db.query('SELECT * FROM half')).rejects.toMatchObject({ code: '42P01' });
  });

  it('rejects malformed sources before touching the database', async () => {
    const db = await backend.open();
    const twice = { name: 'x', migrations: [customers.migrations[0]!, customers.migrations[0]!] };
    await expect(runMigrations(db, [twice])).rejects.toThrow('version 1 appears twice');
    await expect(
      runMigrations(db, [{ name: 'x', migrations: [{ version: 0, name: 'zero', sql: 'SELECT 1' }] }]),
    ).rejects.toThrow('positive whole number');
    await expect(runMigrations(db, [outbox, outbox])).rejects.toThrow('listed twice');
  });

  it('applies each migration once when several instances migrate the same database at once', async () => {
    const name = uniqueName('race');
    const instances = await Promise.all([backend.open(name), backend.open(name), backend.open(name)]);
    const results = await Promise.all(instances.map((db) => runMigrations(db, [customers, outbox])));
    const applied = results.flat().map((m) => `${m.source}:${m.version}`);
    expect(applied.sort()).toEqual(['customers:1', 'customers:2', 'customers:3', 'outbox:1']);
    expect((await instances[0]!.query('SELECT count(*)::int AS n FROM migration_runs')).rows).toEqual([
      { n: 1 },
    ]);
  });
});
