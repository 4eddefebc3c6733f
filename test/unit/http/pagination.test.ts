import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeCursor, encodeCursor, pageQuery, toPage } from '#platform/http/pagination.js';
import { ProblemError } from '#platform/http/problem.js';

const position = z.object({ createdAt: z.string(), id: z.string() });

describe('pagination', () => {
  it('round-trips any position through an opaque, URL-safe cursor', () => {
    fc.assert(
      fc.property(fc.record({ createdAt: fc.string(), id: fc.string() }), (p) => {
        const cursor = encodeCursor(p);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(decodeCursor(cursor, position)).toEqual(p);
      }),
    );
  });

  it('refuses a cursor it did not make with a 400 naming the query field', () => {
    for (const bad of ['!!!', encodeCursor({ id: 1 }), Buffer.from('not json').toString('base64url')]) {
      let err: unknown;
      try {
        decodeCursor(bad, position);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ProblemError);
      expect((err as ProblemError).problem).toMatchObject({
        status: 400,
        errors: [{ in: 'query', path: 'cursor' }],
      });
    }
    expect(decodeCursor(undefined, position)).toBeUndefined();
  });

  it('makes a page from limit + 1 rows: the extra row only says there is more', () => {
    const rows = [1, 2, 3, 4].map((id) => ({ id }));
    const page = toPage(rows, 3, (r) => ({ id: r.id }));
    expect(page.items).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(decodeCursor(page.nextCursor!, z.object({ id: z.number() }))).toEqual({ id: 3 });
    expect(toPage(rows.slice(0, 3), 3, (r) => r).nextCursor).toBeNull();
    expect(toPage([], 3, (r) => r)).toEqual({ items: [], nextCursor: null });
  });

  it('checks limit bounds and defaults', () => {
    const q = pageQuery(20, 100);
    expect(q.parse({})).toEqual({ limit: 20 });
    expect(q.parse({ limit: '100' }).limit).toBe(100);
    for (const limit of ['0', '101', '1.5', 'ten', '-1']) expect(q.safeParse({ limit }).success).toBe(false);
  });
});
