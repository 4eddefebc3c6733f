import pg from 'pg';

/**
 * How column values come back, the same on PostgreSQL (`pg`) and on PGlite, so one piece of service
 * code and SQL behaves the same on both:
 *
 * | PostgreSQL type                  | JavaScript value                                  |
 * |----------------------------------|---------------------------------------------------|
 * | smallint, integer, real, double  | number                                            |
 * | bigint (and count(*))            | string (exact; a bigint can exceed 2^53)          |
 * | numeric                          | string (exact; money goes through decimal.js)     |
 * | date                             | string 'YYYY-MM-DD' (a calendar day, no time zone) |
 * | timestamptz, timestamp           | Date (timestamp without zone is read as UTC)      |
 * | interval                         | string, PostgreSQL's text form ('00:15:00')       |
 * | json, jsonb                      | parsed JSON                                       |
 * | boolean / uuid, text             | boolean / string                                  |
 * | arrays of the above              | arrays of the same                                |
 *
 * Parameters: a plain object goes to a json/jsonb parameter as JSON on both; an array goes as a
 * PostgreSQL array on `pg` (so pass `JSON.stringify(list)` for a json parameter holding a list).
 */
export const TYPE_OIDS = {
  int8: 20,
  numeric: 1700,
  date: 1082,
  timestamp: 1114,
  interval: 1186,
  int8Array: 1016,
  numericArray: 1231,
  dateArray: 1182,
  timestampArray: 1115,
  textArray: 1009,
} as const;

const asText = (value: string): string => value;

/** `timestamp without time zone` carries no zone: read it as UTC, not as the process's local time. */
export function parseUtcTimestamp(value: string): Date | number {
  if (value === 'infinity') return Infinity;
  if (value === '-infinity') return -Infinity;
  return new Date(`${value.replace(' ', 'T')}Z`);
}

/**
 * Parsers by type oid for scalar values, the base of both drivers: PGlite takes them as they are
 * (it derives arrays from the element's parser), `pg` adds its array parsers on top.
 */
export const scalarParsers: Record<number, (value: string) => unknown> = {
  [TYPE_OIDS.int8]: asText,
  [TYPE_OIDS.numeric]: asText,
  [TYPE_OIDS.date]: asText,
  [TYPE_OIDS.timestamp]: parseUtcTimestamp,
  [TYPE_OIDS.interval]: asText,
};

type TextParser = (value: string) => unknown;
const builtinParser = pg.types.getTypeParser as (oid: number, format?: 'text' | 'binary') => TextParser;

/** Type parsers for a `pg` pool, set per pool so other users of `pg` in the process are unaffected. */
export function pgTypeParsers(): { getTypeParser: (oid: number, format?: string) => TextParser } {
  const textArray = builtinParser(TYPE_OIDS.textArray);
  // `pg` needs its array parsers set too; PGlite derives them from the element's parser.
  const overrides: Record<number, TextParser> = {
    ...scalarParsers,
    [TYPE_OIDS.numericArray]: textArray,
    [TYPE_OIDS.dateArray]: textArray,
    [TYPE_OIDS.timestampArray]: (value) =>
      (textArray(value) as Array<string | null>).map((v) => (v === null ? null : parseUtcTimestamp(v))),
  };
  return {
    getTypeParser(oid: number, format?: string): TextParser {
      if (format === 'binary') return builtinParser(oid, 'binary');
      return overrides[oid] ?? builtinParser(oid, 'text');
    },
  };
}
