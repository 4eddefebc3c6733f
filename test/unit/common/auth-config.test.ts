import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '#platform/config/env.js';
import { loadAuthConfig } from '#services/common/auth/config.js';

describe("Common's key-encryption key setting", () => {
  it('reads 32 bytes of base64, and treats unset or empty as none', () => {
    const key = randomBytes(32);
    expect(
      loadAuthConfig({ AUTH_KEY_ENCRYPTION_KEY: key.toString('base64') }).AUTH_KEY_ENCRYPTION_KEY,
    ).toEqual(new Uint8Array(key));
    expect(loadAuthConfig({}).AUTH_KEY_ENCRYPTION_KEY).toBeUndefined();
    expect(loadAuthConfig({ AUTH_KEY_ENCRYPTION_KEY: '' }).AUTH_KEY_ENCRYPTION_KEY).toBeUndefined();
  });

  it('refuses a key of another length or not in base64, naming the variable and how to make one', () => {
    for (const bad of [randomBytes(16).toString('base64'), 'not base64 at all!', 'a'.repeat(44)]) {
      let err: unknown;
      try {
        loadAuthConfig({ AUTH_KEY_ENCRYPTION_KEY: bad });
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain('AUTH_KEY_ENCRYPTION_KEY');
      expect((err as Error).message).toContain('openssl rand -base64 32');
    }
  });
});
