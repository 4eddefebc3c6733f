import { describe, expect, it } from 'vitest';
import { logFormatFor, prettyLine } from '#platform/observability/pretty-log.js';

describe('log format', () => {
  it('is pretty on a terminal and JSON elsewhere, unless LOG_FORMAT forces one', () => {
    expect(logFormatFor(undefined, true)).toBe('pretty');
    expect(logFormatFor(undefined, false)).toBe('json');
    expect(logFormatFor('json', true)).toBe('json');
    expect(logFormatFor('pretty', false)).toBe('pretty');
  });

  it('shows one line with time, level, service, correlation id, message and the other fields', () => {
    const line = prettyLine(
      JSON.stringify({
        level: 30,
        time: Date.UTC(2026, 11, 2, 9, 5, 7, 42),
        pid: 1,
        hostname: 'h',
        service: 'sales',
        correlationId: 'c-1',
        msg: 'request completed',
        status: 201,
        route: '/api/invoices',
        note: 'two words',
      }),
      false,
    );
    expect(line).toBe(
      '09:05:07.042 INFO  sales [c-1] request completed status=201 route=/api/invoices note="two words"\n',
    );
  });

  it('names an error inline and indents its stack below', () => {
    const line = prettyLine(
      JSON.stringify({
        level: 50,
        time: 0,
        service: 'common',
        msg: 'request failed',
        err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x (y.ts:1:1)' },
      }),
      false,
    );
    expect(line.split('\n')[0]).toBe('00:00:00.000 ERROR common request failed err="Error: boom"');
    expect(line).toContain('\n    Error: boom\n        at x (y.ts:1:1)\n');
  });
});
