import { z } from 'zod';
import { env, loadConfig } from '#platform/config/env.js';
import type { SignUpSettings } from './sign-up.js';
import { loadAuthConfig } from '../auth/config.js';

const signUpConfigSchema = z.object({
  /** Where the mailed link points (the console's page that posts the token to /api/organizations/verify). */
  SIGN_UP_LINK_URL: env.url(['http', 'https']).default('http://127.0.0.1:8080/sign-up/verify'),
  /** How long a mailed sign-up link works (seconds; 24 h). */
  SIGN_UP_LINK_TTL_SECONDS: env.int(24 * 3600, 60),
});

export function loadSignUpSettings(source: Record<string, string | undefined>): SignUpSettings {
  const config = loadConfig(signUpConfigSchema, source);
  return {
    linkUrl: config.SIGN_UP_LINK_URL,
    tokenTtlSeconds: config.SIGN_UP_LINK_TTL_SECONDS,
    cost: loadAuthConfig(source).PASSWORD_HASH_COST,
  };
}
