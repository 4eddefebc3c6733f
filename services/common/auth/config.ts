import { z } from 'zod';
import { OWASP_MINIMUM_COST, parseCost } from './passwords.js';
import { env, loadConfig } from '#platform/config/env.js';

export const KEY_ENCRYPTION_KEY_VARIABLE = 'AUTH_KEY_ENCRYPTION_KEY';

/** 32 random bytes in base64, e.g. from `openssl rand -base64 32`; empty or unset: none. */
const keyEncryptionKey = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value.trim() === '') return undefined;
    const bytes = Buffer.from(value.trim(), 'base64');
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value.trim()) || bytes.length !== 32) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected 32 random bytes in base64 (openssl rand -base64 32)',
      });
      return z.NEVER;
    }
    return new Uint8Array(bytes);
  });

/**
 * Token and session lifetimes, sign-in throttling, the demo password and the key that seals the
 * signing keys at rest (issuer, audience and the service secret come from the host).
 */
export const authConfigSchema = z.object({
  // Short: a stolen access token is good only this long; sessions go on with refresh tokens. As
  // short as a second, so a browser test can watch many tokens run out (test/browser/daily.test.ts).
  ACCESS_TOKEN_TTL_SECONDS: env.int(900, 1),
  /** Absolute lifetime of a session (its refresh tokens); then the person signs in again. */
  REFRESH_TOKEN_TTL_SECONDS: env.int(14 * 24 * 3600, 60),
  /** Failed sign-ins counted within this window (seconds). */
  SIGN_IN_WINDOW_SECONDS: env.int(900, 1),
  /** From this many failures of an account in the window on, each answer is slowed down. */
  SIGN_IN_SLOW_AFTER: env.int(3, 1),
  /** Added per failure beyond SIGN_IN_SLOW_AFTER (ms; capped at 5 s). */
  SIGN_IN_SLOW_DELAY_MS: env.int(250, 0),
  /** Failures of one account (email) that lock it. */
  SIGN_IN_ACCOUNT_LOCK_AFTER: env.int(5, 1),
  /** Failures from one client address, whatever the accounts, that lock the address. */
  SIGN_IN_ADDRESS_LOCK_AFTER: env.int(20, 1),
  /** How long a lock lasts (seconds); the count starts over afterwards. */
  SIGN_IN_LOCK_SECONDS: env.int(900, 1),
  SERVICE_TOKEN_TTL_SECONDS: env.int(300, 30),
  /**
   * scrypt's parameters for new hashes (older ones are rehashed at their next sign-in). Below
   * OWASP's minimum only in the embedded mode (the tests' speed); production refuses it.
   */
  PASSWORD_HASH_COST: z
    .string()
    .default(`ln=${OWASP_MINIMUM_COST.logN},r=${OWASP_MINIMUM_COST.r},p=${OWASP_MINIMUM_COST.p}`)
    .transform((value, ctx) => {
      const cost = parseCost(value);
      if (cost) return cost;
      ctx.addIssue({
        code: 'custom',
        message: 'expected ln=<log2 N, at most 20>,r=<r>,p=<p>, e.g. ln=17,r=8,p=1',
      });
      return z.NEVER;
    }),
  DHANMAN_DEMO_PASSWORD: z.string().min(8, 'expected at least 8 characters').default('dhanman-demo'),
  [KEY_ENCRYPTION_KEY_VARIABLE]: keyEncryptionKey,
});

export type AuthConfig = z.infer<typeof authConfigSchema>;

export const loadAuthConfig = (source: Record<string, string | undefined>): AuthConfig =>
  loadConfig(authConfigSchema, source);
