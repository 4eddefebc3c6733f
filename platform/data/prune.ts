import type { Queryable } from './db.js';

const CHUNK = 5_000;

/**
 * Deletes the rows of `table` whose `ageColumn` is older than `ageMs`, in chunks, so a large
 * backlog never holds one long transaction. `keys` is the primary key (columns, comma-separated).
 * Table and column names go into the SQL as they are: pass constants, never input. Returns rows deleted.
 */
export async function deleteInChunks(
  db: Queryable,
  table: string,
  keys: string,
  ageColumn: string,
  ageMs: number,
): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `DELETE FROM ${table} WHERE (${keys}) IN (
         SELECT ${keys} FROM ${table} WHERE ${ageColumn} < now() - $1 * interval '1 millisecond' LIMIT ${CHUNK})`,
      [ageMs],
    );
    total += rowCount;
    if (rowCount < CHUNK) return total;
  }
}
