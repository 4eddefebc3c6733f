import { describe, expect, it } from 'vitest';
import { ConfigError } from '#platform/config/env.js';
import { loadSecurityConfig, rateBudgets } from '#platform/http/security-config.js';

describe('edge security configuration', () => {
  it('has sensible defaults: limits on, the console’s origins', () => {
    const config = loadSecurityConfig({});
    expect(config.RATE_LIMIT_ENABLED).toBe(true);
    expect(rateBudgets(config)).toEqual({
      'sign-in': { max: 30, windowMs: 60_000 },
      'service-tokens': { max: 1200, windowMs: 60_000 },
      writes: { max: 300, windowMs: 60_000 },
      reads: { max: 600, windowMs: 60_000 },
      ops: { max: 120, windowMs: 60_000 },
    });
    expect(config.CORS_ORIGINS).toEqual(['http://localhost:8080', 'http://127.0.0.1:8080']);
  });

  it('reads budgets as <requests>/<window> in ms, s, m or h', () => {
    const config = loadSecurityConfig({
      RATE_LIMIT_READS: '5/500ms',
      RATE_LIMIT_WRITES: '10/2m',
      RATE_LIMIT_OPS: '1000/1h',
      CORS_ORIGINS: 'https://console.example.org, http://localhost:5173',
    });
    expect(rateBudgets(config)).toMatchObject({
      reads: { max: 5, windowMs: 500 },
      writes: { max: 10, windowMs: 120_000 },
      ops: { max: 1000, windowMs: 3_600_000 },
    });
    expect(config.CORS_ORIGINS).toEqual(['https://console.example.org', 'http://localhost:5173']);
  });

  it('names each wrong variable', () => {
    let error: unknown;
    try {
      loadSecurityConfig({
        RATE_LIMIT_READS: '600 per minute',
        CORS_ORIGINS: 'console.example.org',
        CSP_CONNECT_SOURCES: "'self'; script-src *",
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/RATE_LIMIT_READS: expected <requests>\/<window>/);
    expect(problems).toMatch(/CORS_ORIGINS: expected origins like http:\/\/host:port/);
    expect(problems).toMatch(/CSP_CONNECT_SOURCES: expected CSP sources separated by spaces/);
  });
});
