import { describe, expect, it } from 'vitest';
import { jsonSafe } from '#platform/messaging/storable.js';
import { deadLetterWhere } from '../../../operations/dead-letter-filter.js';

describe('deadLetterWhere', () => {
  it('matches everything without a filter', () => {
    expect(deadLetterWhere({})).toEqual({ sql: 'TRUE', params: [] });
  });

  it('numbers placeholders from where the caller left off', () => {
    const w = deadLetterWhere(
      {
        status: 'open',
        category: 'handler-failed',
        originalQueue: 'sales.events',
        since: '2026-01-01T00:00:00Z',
      },
      3,
    );
    expect(w.sql).toBe(
      'status = $3 AND category = $4 AND original_queue = $5 AND dead_lettered_at >= $6::timestamptz',
    );
    expect(w.params).toEqual(['open', 'handler-failed', 'sales.events', '2026-01-01T00:00:00Z']);
  });

  it('never puts a value into the SQL text', () => {
    const w = deadLetterWhere({ type: "x'; DROP TABLE dead_letter; --", messageId: 'm' });
    expect(w.sql).not.toContain('DROP');
    expect(w.params).toContain("x'; DROP TABLE dead_letter; --");
  });
});

describe('jsonSafe', () => {
  it('turns AMQP header values into JSON PostgreSQL accepts', () => {
    const out = jsonSafe({
      a: Buffer.from('text'),
      b: 10n,
      c: new Date('2026-01-02T03:04:05.000Z'),
      d: [{ reason: Buffer.from('expired') }],
      e: 'nul\u0000byte',
      f: undefined,
      g: Number.NaN,
    });
    expect(out).toEqual({
      a: 'text',
      b: '10',
      c: '2026-01-02T03:04:05.000Z',
      d: [{ reason: 'expired' }],
      e: 'nul\uFFFDbyte',
      f: null,
      g: 'NaN',
    });
  });
});
