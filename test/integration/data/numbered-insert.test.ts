import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Db, Queryable } from '#platform/data/db.js';
import { formatNumber, insertNumbered, type NumberedInsert } from '#platform/data/numbered-insert.js';
import { backends } from './backends.js';

// A counter keyed by two columns besides the organization, documents with an array column, and
// their lines: the shapes the services number.
const SCHEMA = `
  CREATE TABLE doc_counter (
    organization_id uuid NOT NULL, kind text NOT NULL, period text NOT NULL, last_number integer NOT NULL,
    PRIMARY KEY (organization_id, kind, period));
  CREATE TABLE doc (
    id uuid PRIMARY KEY, organization_id uuid NOT NULL, number text NOT NULL, title text NOT NULL,
    tags text[] NOT NULL, UNIQUE (organization_id, number));
  CREATE TABLE doc_line (doc_id uuid NOT NULL REFERENCES doc (id), position integer NOT NULL, note text);
  CREATE TABLE doc_log (doc_id uuid NOT NULL, organization_id uuid NOT NULL, title text NOT NULL);
`;

describe.each(backends())('numbered insert on $name', (backend) => {
  afterAll(() => backend.close());

  const fresh = async (): Promise<Db> => {
    const db = await backend.open();
    await db.exec(SCHEMA);
    return db;
  };

  const docs = (organizationId: string, titles: string[], kind = 'Q'): NumberedInsert & { ids: string[] } => {
    const ids = titles.map(() => randomUUID());
    return {
      ids,
      organizationId,
      series: { counter: 'doc_counter', key: { kind, period: '202501' }, prefix: `${kind}-202501-` },
      documents: {
        table: 'doc',
        columns: { id: 'uuid', title: 'text', tags: 'text[]' },
        rows: titles.map((title, i) => ({ id: ids[i], title, tags: [title, 'x'] })),
      },
      alongside: [
        {
          table: 'doc_line',
          columns: { doc_id: 'uuid', position: 'integer', note: 'text' },
          rows: ids.flatMap((id) => [
            { doc_id: id, position: 1, note: 'one' },
            { doc_id: id, position: 2, note: null },
          ]),
        },
      ],
      with: () => [
        `logged AS (INSERT INTO doc_log (doc_id, organization_id, title)
                    SELECT d.id, $1::uuid, d.title FROM document_data d)`,
      ],
    };
  };
  const write = (db: Db, spec: NumberedInsert) => db.transaction((tx: Queryable) => insertNumbered(tx, spec));

  it('numbers the documents consecutively in the order given, per organization and series', async () => {
    const db = await fresh();
    const [org, other] = [randomUUID(), randomUUID()];
    expect(await write(db, docs(org, ['a']))).toEqual(['Q-202501-0001']);
    const group = docs(org, ['b', 'c', 'd']);
    expect(await write(db, group)).toEqual(['Q-202501-0002', 'Q-202501-0003', 'Q-202501-0004']);
    expect(await write(db, docs(other, ['e']))).toEqual(['Q-202501-0001']);
    expect(await write(db, docs(org, ['f'], 'R'))).toEqual(['R-202501-0001']);

    const { rows } = await db.query<{ number: string; title: string; tags: string[] }>(
      'SELECT number, title, tags FROM doc WHERE id = $1 AND organization_id = $2',
      [group.ids[1], org],
    );
    expect(rows).toEqual([{ number: 'Q-202501-0003', title: 'c', tags: ['c', 'x'] }]);
    const lines = await db.query('SELECT position, note FROM doc_line WHERE doc_id = $1 ORDER BY position', [
      group.ids[1],
    ]);
    expect(lines.rows).toEqual([
      { position: 1, note: 'one' },
      { position: 2, note: null },
    ]);
    const logged = await db.query('SELECT title FROM doc_log WHERE organization_id = $1 ORDER BY title', [
      org,
    ]);
    expect(logged.rows.map((r) => r.title)).toEqual(['a', 'b', 'c', 'd', 'f']);
  });

  it('keeps four digits at least, and more past 9999', async () => {
    const db = await fresh();
    const org = randomUUID();
    await write(db, docs(org, ['a']));
    await db.query(`UPDATE doc_counter SET last_number = 9998 WHERE organization_id = $1`, [org]);
    expect(await write(db, docs(org, ['b', 'c']))).toEqual(['Q-202501-9999', 'Q-202501-10000']);
    expect(formatNumber('Q-202501-', 9999)).toBe('Q-202501-9999');
    expect(formatNumber('Q-202501-', 10000)).toBe('Q-202501-10000');
    expect(formatNumber('Q-', 7)).toBe('Q-0007');
    expect(() => formatNumber('Q-', 0)).toThrow(RangeError);
  });

  it('gives the numbers back when the transaction rolls back (no gaps)', async () => {
    const db = await fresh();
    const org = randomUUID();
    await write(db, docs(org, ['a']));
    await expect(
      db.transaction(async (tx) => {
        await insertNumbered(tx, docs(org, ['b', 'c']));
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await write(db, docs(org, ['d']))).toEqual(['Q-202501-0002']);
    expect((await db.query('SELECT count(*)::int AS n FROM doc')).rows[0]).toEqual({ n: 2 });
  });

  it('writes nothing for no documents, and refuses names it would have to quote', async () => {
    const db = await fresh();
    const org = randomUUID();
    expect(await write(db, { ...docs(org, []), alongside: [] })).toEqual([]);
    expect((await db.query('SELECT count(*)::int AS n FROM doc_counter')).rows[0]).toEqual({ n: 0 });

    const spec = docs(org, ['a']);
    await expect(
      write(db, { ...spec, series: { ...spec.series, counter: 'doc_counter; DROP TABLE doc' } }),
    ).rejects.toThrow(/not a plain SQL identifier/);
    await expect(
      write(db, {
        ...spec,
        documents: { ...spec.documents, columns: { ...spec.documents.columns, number: 'text' } },
      }),
    ).rejects.toThrow(/filled in by insertNumbered/);
    await expect(
      write(db, { ...spec, documents: { ...spec.documents, columns: { title: 'text' } } }),
    ).rejects.toThrow(/need an id column/);
    await expect(
      write(db, { ...spec, documents: { ...spec.documents, columns: { id: 'uuid', title: 'text); DROP' } } }),
    ).rejects.toThrow(/not a SQL type/);
    expect((await db.query('SELECT count(*)::int AS n FROM doc')).rows[0]).toEqual({ n: 0 });
  });
});
