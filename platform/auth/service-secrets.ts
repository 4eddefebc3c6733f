import { createHmac } from 'node:crypto';

/**
 * The client secret of a service for client-credentials tokens: `<NAME>_CLIENT_SECRET` when set,
 * else derived from the deployment's DHANMAN_SERVICE_SECRET (HMAC-SHA256 of the client id), so one
 * secret configures every service. Without either, a development default is used (and
 * `usingDevelopmentSecret` says so, for a warning at start).
 */
export const DEVELOPMENT_SERVICE_SECRET = 'dhanman-development-service-secret';

export function serviceClientSecret(env: Record<string, string | undefined>, clientId: string): string {
  const own = env[`${clientId.toUpperCase()}_CLIENT_SECRET`];
  if (own) return own;
  const master = env.DHANMAN_SERVICE_SECRET || DEVELOPMENT_SERVICE_SECRET;
  return createHmac('sha256', master).update(`dhanman-service-client:${clientId}`).digest('base64url');
}

export function usingDevelopmentSecret(env: Record<string, string | undefined>, clientId: string): boolean {
  return !env[`${clientId.toUpperCase()}_CLIENT_SECRET`] && !env.DHANMAN_SERVICE_SECRET;
}
