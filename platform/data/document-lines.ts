import type { Queryable } from './db.js';
import { quoteIdent } from './identifiers.js';

/**
 * Where a document's lines are kept: a table whose rows name their document in one column and
 * keep their order in `position` (the lines written alongside a numbered document, say).
 */
export interface LineTable<L> {
  table: string;
  /** The column naming the document, e.g. `invoice_id`. */
  documentColumn: string;
  /** The fields of a line, each read from the column of its name in snake_case (`unitPrice`: `unit_price`). */
  fields: ReadonlyArray<keyof L & string>;
}

const columnOf = (field: string): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The lines of one document in position order, each as an object of the table's fields. Values
 * come back as `types.ts` reads them: a numeric column as exact text, so money needs no cast.
 */
export async function documentLines<L>(q: Queryable, lines: LineTable<L>, documentId: string): Promise<L[]> {
  const table = quoteIdent(lines.table);
  const select = lines.fields
    .map((field) => `${table}.${quoteIdent(columnOf(field))} AS ${quoteIdent(field)}`)
    .join(', ');
  // Ordered by the table's column, not by a field that might be named `position` too.
  const { rows } = await q.query<L>(
    `SELECT ${select} FROM ${table} WHERE ${quoteIdent(lines.documentColumn)} = $1 ORDER BY ${table}.position`,
    [documentId],
  );
  return rows;
}
