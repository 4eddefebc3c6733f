import { z } from 'zod';
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
 * Token lifetimes, the demo password and the key that seals the signing keys at rest (issuer,
 * audience and the service secret come from the host).
 */
export const authConfigSchema = z.object({
  ACCESS_TOKEN_TTL_SECONDS: env.int(3600, 60),
  SERVICE_TOKEN_TTL_SECONDS: env.int(300, 30),
  DHANMAN_DEMO_PASSWORD: z.string().min(8, 'expected at least 8 characters').default('dhanman-demo'),
  [KEY_ENCRYPTION_KEY_VARIABLE]: keyEncryptionKey,
});

export type AuthConfig = z.infer<typeof authConfigSchema>;

export const loadAuthConfig = (source: Record<string, string | undefined>): AuthConfig =>
  loadConfig(authConfigSchema, source);
