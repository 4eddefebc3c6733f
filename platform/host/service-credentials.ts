import { ConfigError } from '../config/env.js';

/**
 * Each service's own client secret, `<NAME>_CLIENT_SECRET`: what it proves itself with when it asks
 * Common for a service token. Common holds every service's (it checks them); every other process
 * only its own. The embedded default is a built-in value per service, public and refused in
 * production (see production-secrets.ts).
 */
export const clientSecretVariable = (service: string): string =>
  `${service.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_CLIENT_SECRET`;

/** Public: in the source. Only the embedded mode may run with it. */
export const embeddedClientSecret = (service: string): string => `dhanman-embedded-${service}-secret`;

/** The one secret all services shared before each had its own: refused in production too. */
export const LEGACY_SHARED_SECRET = 'dhanman-embedded-service-secret';

const MIN_LENGTH = 16;

/** The secret a service uses (or Common expects of it): its variable, else the embedded built-in. */
export function clientSecretOf(service: string, env: Record<string, string | undefined>): string {
  const variable = clientSecretVariable(service);
  const value = env[variable]?.trim();
  if (!value) return embeddedClientSecret(service);
  if (value.length < MIN_LENGTH) {
    throw new ConfigError([
      `${variable}: expected at least ${MIN_LENGTH} characters (got a value of ${value.length} characters, not shown)`,
    ]);
  }
  return value;
}
