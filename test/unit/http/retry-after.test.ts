import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '#platform/http/retry-after.js';

describe('Retry-After', () => {
  const now = Date.parse('2026-11-24T10:00:00Z');

  it('reads delay-seconds and an HTTP-date as the wait from now', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Tue, 24 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
  });

  it('treats a date already past as no wait', () => {
    expect(retryAfterMs('Tue, 24 Nov 2026 09:59:00 GMT', now)).toBe(0);
  });

  it('ignores a missing or unreadable value', () => {
    for (const bad of [undefined, '', '1.5', '-3', 'soon', '2026-99-99']) {
      expect(retryAfterMs(bad, now), String(bad)).toBeUndefined();
    }
  });
});
