import { z } from 'zod';
import { validationFailed } from './problem.js';

/**
 * Lists are paged by keyset: `?limit=&cursor=`, answered with `{ items, nextCursor }`. The cursor
 * is opaque to clients (base64url JSON of the last row's sort key); `nextCursor` is null on the
 * last page.
 */
export const MAX_PAGE_SIZE = 200;

export function pageQuery(defaultLimit = 50, maxLimit = MAX_PAGE_SIZE) {
  return z.object({
    limit: z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit),
    cursor: z
      .string()
      .max(1024)
      .regex(/^[A-Za-z0-9_-]+$/, 'expected a cursor returned by a previous page')
      .optional(),
  });
}

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The position a cursor names, checked against `schema`; a cursor that is not ours is a 400. */
export function decodeCursor<S extends z.ZodType>(
  cursor: string | undefined,
  schema: S,
): z.infer<S> | undefined {
  if (cursor === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    raw = undefined;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw validationFailed([
      { in: 'query', path: 'cursor', message: 'not a cursor returned by a previous page' },
    ]);
  }
  return parsed.data;
}

/**
 * Builds a page from rows fetched with `LIMIT limit + 1`: the extra row only says there is more.
 * `positionOf` gives the sort key of a row (e.g. `{ createdAt, id }`).
 */
export function toPage<Row, Item = Row>(
  rows: Row[],
  limit: number,
  positionOf: (row: Row) => unknown,
  map: (row: Row) => Item = (r) => r as unknown as Item,
): Page<Item> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return {
    items: kept.map(map),
    nextCursor: more && last !== undefined ? encodeCursor(positionOf(last)) : null,
  };
}
