import { afterAll, describe, expect, it } from 'vitest';
import type { Db } from '#platform/data/db.js';
import { backends } from './backends.js';

const SCHEMA = `
  CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL UNIQUE, balance numeric(12,2) NOT NULL DEFAULT 0);
  CREATE TABLE parents (id int PRIMARY KEY);
  CREATE TABLE children (parent_id int REFERENCES parents DEFERRABLE INITIALLY DEFERRED);
`;

async function fresh(open: (name?: string) => Promise<Db>): Promise<Db> {
  const db = await open();
  await db.exec(SCHEMA);
  return db;
}

describe.each(backends())('Db on $name', (backend) => {
  afterAll(() => backend.close());

  it('commits all the writes of a transaction together', async () => {
    const db = await fresh(backend.open);
    const result = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO accounts (id, owner) VALUES ($1, $2)', [1, 'a']);
      await tx.query('INSERT INTO accounts (id, owner) VALUES ($1, $2)', [2, 'b']);
      return 'done';
    });
    expect(result).toBe('done');
    expect((await db.query('SELECT owner FROM accounts ORDER BY id')).rows).toEqual([
      { owner: 'a' },
      { owner: 'b' },
    ]);
  });

  it('rolls back every write when the callback throws, and rethrows the same error', async () => {
    const db = await fresh(backend.open);
    const failure = new Error('business rule broken');
    const attempt = db.transaction(async (tx) => {
      await tx.query('INSERT INTO accounts (id, owner) VALUES (1, $1)', ['a']);
      throw failure;
    });
    await expect(attempt).rejects.toBe(failure);
    expect((await db.query('SELECT count(*) AS n FROM accounts')).rows).toEqual([{ n: '0' }]);
  });

  it('runs afterCommit work only once the commit succeeded, when the data is visible to others', async () => {
    const db = await fresh(backend.open);
    const events: string[] = [];
    let seenByCallback: Promise<unknown> | undefined;
    await db.transaction(async (tx) => {
      await tx.query("INSERT INTO accounts (id, owner) VALUES (1, 'a')");
      tx.afterCommit(() => {
        events.push('after commit');
        seenByCallback = db.query('SELECT owner FROM accounts').then((r) => r.rows);
      });
      events.push('callback done');
    });
    events.push('transaction returned');
    expect(events).toEqual(['callback done', 'after commit', 'transaction returned']);
    expect(await seenByCallback).toEqual([{ owner: 'a' }]);
  });

  it('never runs afterCommit work of a transaction that rolled back or failed to commit', async () => {
    const db = await fresh(backend.open);
    const ran: string[] = [];
    await expect(
      db.transaction(async (tx) => {
        tx.afterCommit(() => ran.push('rolled back'));
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    // The deferred foreign key is checked at COMMIT: the commit itself fails.
    const commitFailure = await db
      .transaction(async (tx) => {
        tx.afterCommit(() => ran.push('commit failed'));
        await tx.query('INSERT INTO children (parent_id) VALUES (42)');
      })
      .catch((err: unknown) => err);
    expect(commitFailure).toMatchObject({ code: '23503' });
    expect(ran).toEqual([]);
    expect((await db.query('SELECT count(*)::int AS n FROM children')).rows).toEqual([{ n: 0 }]);
  });

  it('keeps the commit when an afterCommit callback throws', async () => {
    const db = await fresh(backend.open);
    const value = await db.transaction(async (tx) => {
      await tx.query("INSERT INTO accounts (id, owner) VALUES (1, 'a')");
      tx.afterCommit(() => {
        throw new Error('callback bug');
      });
      return 7;
    });
    expect(value).toBe(7);
    expect((await db.query('SELECT count(*)::int AS n FROM accounts')).rows).toEqual([{ n: 1 }]);
  });

  it('rolls back when the first statement of a transaction fails, and the connection stays usable', async () => {
    const db = await fresh(backend.open);
    await db.query('INSERT INTO accounts (id, owner) VALUES (1, $1)', ['a']);
    // The first statement travels with BEGIN: its failure must still leave a clean connection.
    for (let i = 0; i < 6; i++) {
      await expect(
        db.transaction((tx) => tx.query('INSERT INTO accounts (id, owner) VALUES (2, $1)', ['a'])),
      ).rejects.toMatchObject({ code: '23505' });
    }
    const counted = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO accounts (id, owner) VALUES (3, $1)', ['c']);
      return (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts')).rows[0]!.n;
    });
    expect(counted).toBe(2);
  });

  it('writes a beforeCommit statement with the commit, built from what the transaction gathered', async () => {
    const db = await fresh(backend.open);
    const gathered: string[] = [];
    await db.transaction(async (tx) => {
      tx.beforeCommit(() => ({
        sql: 'INSERT INTO accounts (id, owner) SELECT o, w FROM unnest($1::text[]) WITH ORDINALITY AS g(w, o)',
        params: [gathered],
      }));
      gathered.push('a', 'b');
      // Written at commit: nothing of it yet inside the transaction.
      expect((await tx.query('SELECT count(*)::int AS n FROM accounts')).rows).toEqual([{ n: 0 }]);
      gathered.push('c');
    });
    expect((await db.query('SELECT id, owner FROM accounts ORDER BY id')).rows).toEqual([
      { id: 1, owner: 'a' },
      { id: 2, owner: 'b' },
      { id: 3, owner: 'c' },
    ]);
    // Alone in its transaction (no statement before it), it still commits.
    await db.transaction(async (tx) => {
      tx.beforeCommit(() => ({ sql: "INSERT INTO accounts (id, owner) VALUES (4, 'd')", params: [] }));
    });
    expect((await db.query('SELECT count(*)::int AS n FROM accounts')).rows).toEqual([{ n: 4 }]);
  });

  it('rolls back everything when a beforeCommit statement fails, runs no afterCommit work, and the connection stays usable', async () => {
    const db = await fresh(backend.open);
    await db.query("INSERT INTO accounts (id, owner) VALUES (1, 'a')");
    let ran = false;
    for (let i = 0; i < 6; i++) {
      await expect(
        db.transaction(async (tx) => {
          await tx.query('UPDATE accounts SET balance = 100 WHERE id = 1');
          tx.beforeCommit(() => ({ sql: "INSERT INTO accounts (id, owner) VALUES (2, 'a')", params: [] }));
          tx.afterCommit(() => (ran = true));
        }),
      ).rejects.toMatchObject({ code: '23505' });
    }
    expect(ran).toBe(false);
    expect((await db.query('SELECT id, balance::text AS balance FROM accounts')).rows).toEqual([
      { id: 1, balance: '0.00' },
    ]);
  });

  it('commits a transaction that ran no statement and still runs its afterCommit work', async () => {
    const db = await fresh(backend.open);
    let ran = false;
    const result = await db.transaction(async (tx) => {
      tx.afterCommit(() => (ran = true));
      return 'nothing to write';
    });
    expect(result).toBe('nothing to write');
    expect(ran).toBe(true);
  });

  it('surfaces statement errors as the PostgreSQL error, with its code and constraint', async () => {
    const db = await fresh(backend.open);
    await db.query("INSERT INTO accounts (id, owner) VALUES (1, 'a')");
    const direct = await db
      .query("INSERT INTO accounts (id, owner) VALUES (2, 'a')")
      .catch((e: unknown) => e);
    expect(direct).toMatchObject({ code: '23505', constraint: 'accounts_owner_key' });
    const inTx = await db
      .transaction((tx) => tx.query("INSERT INTO accounts (id, owner) VALUES (1, 'b')"))
      .catch((e: unknown) => e);
    expect(inTx).toMatchObject({ code: '23505', constraint: 'accounts_pkey' });
    expect(await db.query('SELECT nonsense FROM accounts').catch((e: unknown) => e)).toMatchObject({
      code: '42703',
    });
  });

  it('returns the same value shapes on both backends', async () => {
    const db = await backend.open();
    await db.exec(`CREATE TABLE shapes (
      i int, b bigint, n numeric(14,2), f double precision, ok boolean, d date, ts timestamptz,
      tsn timestamp, iv interval, j jsonb, js json, u uuid, t text, ia int[], ba bigint[], na numeric[], da date[])`);
    await db.query(
      `INSERT INTO shapes VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
      [
        7,
        '9007199254740993',
        '1234.5',
        1.25,
        true,
        '2025-02-28',
        new Date('2025-03-01T10:20:30.456Z'),
        '2025-03-01 10:20:30',
        '1 day 02:00:00',
        { nested: { list: [1, 'two'] } },
        JSON.stringify([1, 2, 3]),
        '6f1c1b7e-3c1d-4f0e-9a51-6a2b7e0c9d11',
        'plain',
        [1, 2],
        ['1', '9007199254740993'],
        ['1.50', '2'],
        ['2025-01-01'],
      ],
    );
    const { rows } = await db.query(
      'SELECT *, count(*) OVER () AS total, 2.50::numeric * 2 AS product FROM shapes',
    );
    expect(rows).toEqual([
      {
        i: 7,
        b: '9007199254740993',
        n: '1234.50',
        f: 1.25,
        ok: true,
        d: '2025-02-28',
        ts: new Date('2025-03-01T10:20:30.456Z'),
        tsn: new Date('2025-03-01T10:20:30.000Z'),
        iv: '1 day 02:00:00',
        j: { nested: { list: [1, 'two'] } },
        js: [1, 2, 3],
        u: '6f1c1b7e-3c1d-4f0e-9a51-6a2b7e0c9d11',
        t: 'plain',
        ia: [1, 2],
        ba: ['1', '9007199254740993'],
        na: ['1.50', '2'],
        da: ['2025-01-01'],
        total: '1',
        product: '5.00',
      },
    ]);
  });

  it('counts rows the same way: affected rows for writes, returned rows for reads', async () => {
    const db = await fresh(backend.open);
    expect(
      (await db.query("INSERT INTO accounts (id, owner) VALUES (1, 'a'), (2, 'b'), (3, 'c')")).rowCount,
    ).toBe(3);
    expect((await db.query('UPDATE accounts SET balance = 1 WHERE id > 1')).rowCount).toBe(2);
    expect(
      (await db.query("INSERT INTO accounts (id, owner) VALUES (1, 'a') ON CONFLICT DO NOTHING")).rowCount,
    ).toBe(0);
    const returning = await db.query('DELETE FROM accounts WHERE id < 3 RETURNING id');
    expect(returning.rowCount).toBe(2);
    expect(returning.rows).toHaveLength(2);
    expect((await db.query('SELECT * FROM accounts')).rowCount).toBe(1);
  });

  it('refuses a transaction handle used after its transaction finished', async () => {
    const db = await fresh(backend.open);
    let leaked: { query: (sql: string) => Promise<unknown> } | undefined;
    await db.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked!.query('SELECT 1')).rejects.toThrow('transaction already finished');
  });

  it('runs several statements with exec, and a failed exec leaves no open transaction behind', async () => {
    const db = await fresh(backend.open);
    await db.exec(
      "INSERT INTO accounts (id, owner) VALUES (1, 'a'); INSERT INTO accounts (id, owner) VALUES (2, 'b');",
    );
    await expect(
      db.exec("BEGIN; INSERT INTO accounts (id, owner) VALUES (3, 'c'); SELECT 1/0; COMMIT;"),
    ).rejects.toMatchObject({ code: '22012' });
    // The next statements run normally (not "current transaction is aborted") and 3 was not kept.
    for (let i = 0; i < 3; i += 1) {
      expect((await db.query('SELECT count(*)::int AS n FROM accounts')).rows).toEqual([{ n: 2 }]);
    }
  });

  it('keeps concurrent transactions correct (row locks, no lost updates)', async () => {
    const db = await fresh(backend.open);
    await db.query("INSERT INTO accounts (id, owner) VALUES (1, 'a')");
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction(async (tx) => {
          const { rows } = await tx.query<{ balance: string }>(
            'SELECT balance FROM accounts WHERE id = 1 FOR UPDATE',
          );
          await tx.query('UPDATE accounts SET balance = $1 WHERE id = 1', [Number(rows[0]!.balance) + 1]);
        }),
      ),
    );
    expect((await db.query('SELECT balance FROM accounts')).rows).toEqual([{ balance: '20.00' }]);
  });

  it('answers ping while open and not after close', async () => {
    const db = await backend.open();
    expect(await db.ping()).toBe(true);
    await db.close();
    expect(await db.ping()).toBe(false);
    await expect(db.query('SELECT 1')).rejects.toThrow();
  });
});
