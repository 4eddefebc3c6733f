import { describe, expect, it } from 'vitest';
import { ConfigError } from '#platform/config/env.js';
import { loadRuntimeConfig } from '#platform/host/runtime-config.js';

describe('runtime configuration', () => {
  it('defaults to the design numbers, parsed (not left as text)', () => {
    const c = loadRuntimeConfig({});
    expect(c.BUS_RETRY_DELAYS_MS).toEqual([1000, 5000, 15000]);
    expect(c.JOB_RETRY_DELAYS_MS).toEqual([60000, 300000, 900000]);
    expect(c.HTTP_RETRY_DELAYS_MS).toEqual([2000, 4000, 8000]);
    expect(c.HTTP_TIMEOUT_MS).toBe(10000);
    expect(c.HTTP_BREAKER_THRESHOLD).toBe(5);
    expect(c.HTTP_BREAKER_OPEN_MS).toBe(30000);
    expect(c.DHANMAN_DEMO).toBe(false);
    expect(c.BUS_QUEUE_TYPE).toBe('quorum');
  });

  it('reads overrides', () => {
    const c = loadRuntimeConfig({
      BUS_RETRY_DELAYS_MS: '10,20',
      DHANMAN_DEMO: 'true',
      BUS_QUEUE_TYPE: 'classic',
    });
    expect(c.BUS_RETRY_DELAYS_MS).toEqual([10, 20]);
    expect(c.DHANMAN_DEMO).toBe(true);
    expect(c.BUS_QUEUE_TYPE).toBe('classic');
  });

  it('checks every service port and URL with the rest, reporting all problems at once', () => {
    let error: unknown;
    try {
      loadRuntimeConfig(
        { SALES_PORT: 'abc', COMMON_URL: 'ftp://x', BUS_QUEUE_TYPE: 'fast' },
        { sales: 5003, common: 5001 },
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/SALES_PORT/);
    expect(problems).toMatch(/COMMON_URL: expected a URL starting with http:\/\/ or https:\/\//);
    expect(problems).toMatch(/BUS_QUEUE_TYPE/);
  });
});
