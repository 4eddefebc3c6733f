import { z } from 'zod';
import { env, loadConfig } from '../../../platform/config/env.js';

/** Token lifetimes and the demo password (issuer, audience and the service secret come from the host). */
export const authConfigSchema = z.object({
  ACCESS_TOKEN_TTL_SECONDS: env.int(3600, 60),
  SERVICE_TOKEN_TTL_SECONDS: env.int(300, 30),
  DHANMAN_DEMO_PASSWORD: z.string().min(8, 'expected at least 8 characters').default('dhanman-demo'),
});

export type AuthConfig = z.infer<typeof authConfigSchema>;

export const loadAuthConfig = (source: Record<string, string | undefined>): AuthConfig =>
  loadConfig(authConfigSchema, source);
