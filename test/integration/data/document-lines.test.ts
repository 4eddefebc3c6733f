import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { documentLines, type LineTable } from '#platform/data/document-lines.js';
import { backends } from './backends.js';

interface Line {
  position: number;
  unitPrice: string;
  note: string | null;
}

const LINES: LineTable<Line> = {
  table: 'doc_line',
  documentColumn: 'doc_id',
  fields: ['position', 'unitPrice', 'note'],
};

describe.each(backends())('document lines on $name', (backend) => {
  afterAll(() => backend.close());

  it("reads one document's lines in position order, snake_case columns as camelCase fields, numeric exact", async () => {
    const db = await backend.open();
    await db.exec(`CREATE TABLE doc_line (
      id bigserial PRIMARY KEY, doc_id uuid NOT NULL, position integer NOT NULL,
      unit_price numeric(14, 2) NOT NULL, note text)`);
    const [doc, other] = [randomUUID(), randomUUID()];
    // Written out of order, and a line of another document: neither shows.
    await db.query(
      `INSERT INTO doc_line (doc_id, position, unit_price, note)
       VALUES ($1, 2, 0.1, NULL), ($2, 1, 99, 'other'), ($1, 1, 1250.5, 'first')`,
      [doc, other],
    );
    expect(await documentLines(db, LINES, doc)).toEqual([
      { position: 1, unitPrice: '1250.50', note: 'first' },
      { position: 2, unitPrice: '0.10', note: null },
    ]);
    expect(await documentLines(db, LINES, randomUUID())).toEqual([]);
  });
});
