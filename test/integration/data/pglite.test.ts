import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '#platform/data/migrate.js';
import { openServiceDatabase } from '../../support/service-database.js';
import { embeddedRoleName, openEmbedded, type EmbeddedDatabase } from '#platform/data/pglite.js';

describe('embedded database (PGlite): one instance, a schema and a role per service', () => {
  let embedded: EmbeddedDatabase;
  beforeAll(async () => {
    embedded = await openEmbedded({ dataDir: 'memory://' });
  });
  afterAll(() => embedded.close());

  it("gives each service its own schema: it cannot read, change or find another service's tables", async () => {
    const sales = await embedded.forService('sales');
    const common = await embedded.forService('common');
    await common.exec(
      "CREATE TABLE customers (id int PRIMARY KEY, name text); INSERT INTO customers VALUES (1, 'a');",
    );
    await sales.exec('CREATE TABLE customers (id int PRIMARY KEY, name text);');

    // The same unqualified name is each service's own table.
    expect((await common.query('SELECT count(*)::int AS n FROM customers')).rows).toEqual([{ n: 1 }]);
    expect((await sales.query('SELECT count(*)::int AS n FROM customers')).rows).toEqual([{ n: 0 }]);

    const denied = { code: '42501' }; // insufficient_privilege
    await expect(sales.query('SELECT * FROM common.customers')).rejects.toMatchObject(denied);
    await expect(sales.query("INSERT INTO common.customers VALUES (2, 'x')")).rejects.toMatchObject(denied);
    await expect(sales.exec('DROP TABLE common.customers')).rejects.toMatchObject(denied);
    await expect(sales.exec('CREATE TABLE common.sneaky (id int)')).rejects.toMatchObject(denied);
    await expect(sales.transaction((tx) => tx.query('SELECT * FROM common.customers'))).rejects.toMatchObject(
      denied,
    );
    expect((await sales.query('SELECT current_user AS role, current_schema() AS schema')).rows).toEqual([
      { role: embeddedRoleName('sales'), schema: 'sales' },
    ]);
    expect((await common.query('SELECT count(*)::int AS n FROM customers')).rows).toEqual([{ n: 1 }]);
  });

  it('keeps each statement on its own service while services interleave', async () => {
    const names = ['community', 'payroll', 'purchase'];
    const dbs = await Promise.all(names.map((n) => embedded.forService(n)));
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const db = dbs[i % dbs.length]!;
        const read = () => db.query<{ schema: string }>('SELECT current_schema() AS schema');
        return (
          i % 2
            ? read()
            : db.transaction(async (tx) => tx.query<{ schema: string }>('SELECT current_schema() AS schema'))
        ).then((r) => [db.service, r.rows[0]!.schema]);
      }),
    );
    for (const [service, schema] of answers) expect(schema).toBe(service);
  });

  it("runs a parameterised text that several services share against each one's own table, prepared or not", async () => {
    const [a, b] = await Promise.all([embedded.forService('shared_a'), embedded.forService('shared_b')]);
    for (const db of [a, b]) await db.exec('CREATE TABLE note (id int PRIMARY KEY, body text)');
    const insert = 'INSERT INTO note (id, body) VALUES ($1, $2)';
    // Interleaved, the same text many times (prepared after its first use, per service).
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).query(insert, [i, `${i % 2 ? 'a' : 'b'}${i}`])),
    );
    await b.transaction((tx) => tx.query(insert, [100, 'b-in-tx']));
    const bodies = async (db: typeof a) =>
      (await db.query<{ body: string }>('SELECT body FROM note WHERE id >= $1 ORDER BY id', [0])).rows.map(
        (r) => r.body[0],
      );
    expect(await bodies(a)).toEqual(Array(10).fill('a'));
    expect(await bodies(b)).toEqual(Array(11).fill('b'));
  });

  it('keeps values exact through prepared statements, survives a failed one and a changed table', async () => {
    const db = await embedded.forService('typed');
    await db.exec(
      'CREATE TABLE t (id uuid PRIMARY KEY, amount numeric(14,2), at timestamptz, tags text[], doc jsonb)',
    );
    const id = '7d3c1e52-57a7-4c49-9a4f-0d1b4bb3a1f2';
    const at = new Date('2026-12-01T10:00:00.123Z');
    await db.query('INSERT INTO t VALUES ($1, $2, $3, $4, $5)', [id, '1234.50', at, ['x', 'y z'], { n: 1 }]);
    const read = 'SELECT id, amount, at, tags, doc FROM t WHERE id = ANY($1::uuid[])';
    expect((await db.query(read, [[id]])).rows).toEqual([
      { id, amount: '1234.50', at, tags: ['x', 'y z'], doc: { n: 1 } },
    ]);
    // A unique violation: the transaction rolls back and the connection serves the next statement.
    await expect(
      db.transaction(async (tx) => {
        await tx.query('UPDATE t SET amount = $2 WHERE id = $1', [id, '1.00']);
        await tx.query('INSERT INTO t (id) VALUES ($1)', [id]);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect((await db.query(read, [[id]])).rows[0]).toMatchObject({ amount: '1234.50' });
    // A column added under a prepared `SELECT *`: the stale statement fails once, then runs unprepared.
    const all = 'SELECT * FROM t WHERE id = $1';
    expect((await db.query(all, [id])).rows).toHaveLength(1);
    await db.exec('ALTER TABLE t ADD COLUMN note text');
    const again = await db.query(all, [id]).catch(() => db.query(all, [id]));
    expect(again.rows[0]).toMatchObject({ id, note: null });
  });

  it('a check deferred to COMMIT refuses a transaction whose last statement carried the COMMIT', async () => {
    const db = await embedded.forService('deferred');
    await db.exec(`
      CREATE TABLE pair (id int PRIMARY KEY, mate int);
      CREATE FUNCTION pair_has_mate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pair WHERE id = NEW.mate) THEN RAISE EXCEPTION 'no mate for %', NEW.id; END IF;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER mate_exists AFTER INSERT ON pair DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION pair_has_mate();`);
    const insert = 'INSERT INTO pair (id, mate) VALUES ($1, $2)';
    let committed = 0;
    const pairUp = (a: number, b: number) =>
      db.transaction(async (tx) => {
        await tx.query(insert, [a, b]);
        tx.beforeCommit(() => ({ sql: insert, params: [b, a] }));
        tx.afterCommit(() => (committed += 1));
      });
    await pairUp(1, 2);
    // The second row names a mate that never comes: refused at COMMIT, which went with it.
    await expect(
      db.transaction(async (tx) => {
        await tx.query(insert, [3, 4]);
        tx.beforeCommit(() => ({ sql: insert, params: [5, 3] }));
        tx.afterCommit(() => (committed += 1));
      }),
    ).rejects.toThrow(/no mate/);
    await pairUp(6, 7);
    expect(
      (await db.query<{ id: number }>('SELECT id FROM pair WHERE id > $1 ORDER BY id', [0])).rows,
    ).toEqual([{ id: 1 }, { id: 2 }, { id: 6 }, { id: 7 }]);
    expect(committed).toBe(2);
  });

  it('fails fast, instead of waiting forever, when code inside a transaction uses the Db instead of the tx', async () => {
    const db = await embedded.forService('notification');
    await expect(db.transaction(() => db.query('SELECT 1'))).rejects.toThrow('use the transaction (tx)');
    await expect(db.transaction(() => db.transaction(async () => 1))).rejects.toThrow(
      'use the transaction (tx)',
    );
    expect((await db.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
  });

  it("closing one service's Db leaves the others working", async () => {
    const gone = await embedded.forService('gone');
    const stays = await embedded.forService('stays');
    await gone.close();
    await expect(gone.query('SELECT 1')).rejects.toThrow('closed');
    expect(await stays.ping()).toBe(true);
  });

  it('rejects service names that are not plain identifiers', async () => {
    await expect(embedded.forService('x; DROP SCHEMA sales')).rejects.toThrow('invalid service name');
  });
});

// Boots several instances (two run initdb): generous time for a busy machine.
describe('embedded database on disk', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dhanman-pglite-'));
  const template = path.join(dir, 'template');
  mkdirSync(template);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps schemas, roles, data and migration history across close and reopen', async () => {
    const dataDir = path.join(dir, 'first');
    const migrations = [
      { version: 1, name: 'notes', sql: 'CREATE TABLE notes (id int PRIMARY KEY, body text);' },
    ];

    const first = await openEmbedded({ dataDir, template });
    expect(first.origin).toBe('initdb');
    const db = await first.forService('sales');
    await runMigrations(db, [{ name: 'sales', migrations }]);
    await db.transaction((tx) => tx.query("INSERT INTO notes VALUES (1, 'kept')"));
    await first.close();
    await expect(db.query('SELECT 1')).rejects.toThrow('closed');

    const reopened = await openServiceDatabase({ dataDir, service: 'sales' });
    try {
      expect(reopened.kind).toBe('pglite');
      expect(await runMigrations(reopened, [{ name: 'sales', migrations }])).toEqual([]);
      expect((await reopened.query('SELECT body FROM notes')).rows).toEqual([{ body: 'kept' }]);
      expect((await reopened.query('SELECT current_user AS role')).rows).toEqual([
        { role: embeddedRoleName('sales') },
      ]);
    } finally {
      await reopened.close();
    }
  });

  it('starts a new data directory from the cached fresh cluster: pristine, and kept on disk', async () => {
    const dataDir = path.join(dir, 'second');
    const second = await openEmbedded({ dataDir, template });
    expect(second.origin).toBe('template');
    const db = await second.forService('sales');
    // A copy of the cluster as initdb left it: nothing of the first directory's services.
    await expect(db.query('SELECT * FROM notes')).rejects.toMatchObject({ code: '42P01' });
    await db.exec('CREATE TABLE notes (id int); INSERT INTO notes VALUES (2);');
    await second.close();

    const again = await openEmbedded({ dataDir, template });
    try {
      expect(again.origin).toBe('existing');
      expect((await (await again.forService('sales')).query('SELECT id FROM notes')).rows).toEqual([
        { id: 2 },
      ]);
    } finally {
      await again.close();
    }
  });

  it('replaces an unusable cached cluster by running initdb again', async () => {
    const [file] = readdirSync(template);
    writeFileSync(path.join(template, file!), 'not a tarball');
    const third = await openEmbedded({ dataDir: 'memory://', template });
    try {
      expect(third.origin).toBe('initdb');
      expect(await (await third.forService('sales')).ping()).toBe(true);
      expect(statSync(path.join(template, file!)).size).toBeGreaterThan(100_000);
    } finally {
      await third.close();
    }
  });
});
