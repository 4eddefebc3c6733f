import { z } from 'zod';
import { env, loadConfig } from '../config/env.js';
import { isProxyEntry } from './client-address.js';

/** The classes of routes that get their own request budget per caller. */
export const RATE_CLASSES = ['sign-in', 'service-tokens', 'writes', 'reads', 'ops'] as const;
export type RateClass = (typeof RATE_CLASSES)[number];

/** At most `max` requests per caller in `windowMs`. */
export interface RateBudget {
  max: number;
  windowMs: number;
}

/** `600/60s`, `10/1m`, `5/500ms`: a count over a window. */
const budget = (def: string) =>
  z
    .string()
    .regex(/^\d{1,7}\/\d{1,7}(ms|s|m|h)$/, 'expected <requests>/<window>, e.g. "600/60s" (ms, s, m or h)')
    .prefault(def)
    .transform((s): RateBudget => {
      const [, count, n, unit] = /^(\d+)\/(\d+)(ms|s|m|h)$/.exec(s)!;
      const scale = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
      return { max: Number(count), windowMs: Math.max(1, Number(n) * scale) };
    });

const origins = z
  .string()
  .prefault('http://localhost:8080,http://127.0.0.1:8080')
  .transform((s, ctx) => {
    const list = s
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    for (const o of list) {
      if (!/^https?:\/\/[^/\s]+$/.test(o)) {
        ctx.addIssue({ code: 'custom', message: `expected origins like http://host:port, got ${o}` });
        return z.NEVER;
      }
    }
    return list;
  });

/**
 * What every service enforces at its edge: request budgets per route class, the origins a browser
 * may call from, and extra `connect-src` sources for pages served under the CSP (the console).
 */
export const securityConfigSchema = z.object({
  RATE_LIMIT_ENABLED: env.bool(true),
  RATE_LIMIT_SIGN_IN: budget('30/60s'),
  // Services asking for their tokens, by address: one per organization a run or saga works for, so
  // services on one host need far more than people signing in (secrets are long and random).
  RATE_LIMIT_SERVICE_TOKENS: budget('1200/60s'),
  RATE_LIMIT_WRITES: budget('300/60s'),
  RATE_LIMIT_READS: budget('600/60s'),
  RATE_LIMIT_OPS: budget('120/60s'),
  CORS_ORIGINS: origins,
  /**
   * Proxies whose X-Forwarded-For is believed: IPs, CIDRs, `loopback`, `linklocal`, `uniquelocal`,
   * comma-separated, or `none`. Unset: `loopback` in the embedded mode (the console on the same
   * host), none in production, where the operator names the console's and balancer's addresses.
   */
  TRUSTED_PROXIES: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return undefined;
      const list = s
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean);
      if (list.length === 1 && list[0] === 'none') return [];
      const bad = list.filter((e) => !isProxyEntry(e));
      if (bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `expected IP addresses, CIDR ranges, loopback, linklocal, uniquelocal or none (not ${bad.join(', ')})`,
        });
        return z.NEVER;
      }
      return list;
    }),
  CSP_CONNECT_SOURCES: z
    .string()
    .prefault('http://localhost:* http://127.0.0.1:*')
    .refine((s) => !/[;,]/.test(s), 'expected CSP sources separated by spaces (no ; or ,)')
    .transform((s) => s.split(/\s+/).filter(Boolean)),
});

export type SecurityConfig = z.infer<typeof securityConfigSchema>;

export const loadSecurityConfig = (source: Record<string, string | undefined>): SecurityConfig =>
  loadConfig(securityConfigSchema, source);

export function rateBudgets(config: SecurityConfig): Record<RateClass, RateBudget> {
  return {
    'sign-in': config.RATE_LIMIT_SIGN_IN,
    'service-tokens': config.RATE_LIMIT_SERVICE_TOKENS,
    writes: config.RATE_LIMIT_WRITES,
    reads: config.RATE_LIMIT_READS,
    ops: config.RATE_LIMIT_OPS,
  };
}
