import { describe, expect, it } from 'vitest';
import { parseUtcTimestamp, scalarParsers, pgTypeParsers, TYPE_OIDS } from '#platform/data/types.js';

describe('value types', () => {
  const pg = pgTypeParsers();
  const parse = (oid: number, text: string) => pg.getTypeParser(oid, 'text')(text);

  it('keeps bigint, numeric, date and interval as exact text on pg and PGlite', () => {
    for (const [oid, text] of [
      [TYPE_OIDS.int8, '9007199254740993'],
      [TYPE_OIDS.numeric, '12.50'],
      [TYPE_OIDS.date, '2025-02-28'],
      [TYPE_OIDS.interval, '00:15:00'],
    ] as const) {
      expect(parse(oid, text)).toBe(text);
      expect(scalarParsers[oid]?.(text)).toBe(text);
    }
  });

  it('reads arrays of numeric and date as arrays of text on pg (its default makes numbers and Dates)', () => {
    expect(parse(TYPE_OIDS.numericArray, '{1.10,NULL,3}')).toEqual(['1.10', null, '3']);
    expect(parse(TYPE_OIDS.dateArray, '{2025-01-01,2025-12-31}')).toEqual(['2025-01-01', '2025-12-31']);
    expect(parse(TYPE_OIDS.int8Array, '{1,2}')).toEqual(['1', '2']);
  });

  it('reads timestamp without time zone as UTC, not local time', () => {
    expect((parseUtcTimestamp('2025-03-01 10:20:30.123456') as Date).toISOString()).toBe(
      '2025-03-01T10:20:30.123Z',
    );
    expect(parseUtcTimestamp('infinity')).toBe(Infinity);
    const array = parse(TYPE_OIDS.timestampArray, '{"2025-03-01 10:20:30",NULL}') as Array<Date | null>;
    expect(array[0]?.toISOString()).toBe('2025-03-01T10:20:30.000Z');
    expect(array[1]).toBeNull();
  });

  it('leaves other types to the driver', () => {
    expect(parse(23, '42')).toBe(42);
    expect(parse(3802, '{"a":[1]}')).toEqual({ a: [1] });
    expect(parse(16, 't')).toBe(true);
  });
});
