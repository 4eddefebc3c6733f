import {
  clientSecretVariable,
  embeddedClientSecret,
  LEGACY_SHARED_SECRET,
} from '#platform/host/service-credentials.js';
import { refuseDefaultSecrets, type SecretRule } from './secret-rules.js';
import { DEFAULT_DEMO_PASSWORD } from '#contracts/demo.js';
import { EMBEDDED_GATEWAY_API_KEY, SERVICE_NAMES, type ServiceName } from '#contracts/services.js';

/**
 * The secrets a process running `services` holds, which production refuses at their built-in or
 * public value. Light on imports on purpose: entry points check this before loading (let alone
 * connecting) anything. A new credential (the gateway's, say) is one more rule here.
 */
export function productionSecretRules(services: readonly ServiceName[], seed: boolean): SecretRule[] {
  const common = services.includes('common');
  // Common checks every service's secret; any other process holds only its own.
  const clients = common ? SERVICE_NAMES : services;
  const rules: SecretRule[] = clients.map((name) => ({
    variable: clientSecretVariable(name),
    unsetMeans: 'the built-in value (public) would be used',
    publicValues: [embeddedClientSecret(name), LEGACY_SHARED_SECRET],
    minLength: 32,
    distinctGroup: 'client secrets',
  }));
  // The merchant key Sales presents to the payment gateway and the gateway checks (its embedded
  // default is public).
  if (services.includes('sales') || services.includes('gateway')) {
    rules.push({
      variable: 'GATEWAY_API_KEY',
      unsetMeans: 'the built-in gateway key (public) would be used',
      publicValues: [EMBEDDED_GATEWAY_API_KEY],
      minLength: 32,
    });
  }
  if (common) {
    rules.push({
      variable: 'AUTH_KEY_ENCRYPTION_KEY',
      unsetMeans: 'the token signing keys would be stored in the clear',
    });
  }
  if (seed) {
    rules.push({
      variable: 'DHANMAN_DEMO_PASSWORD',
      unsetMeans: `the demo users would get the public password ${DEFAULT_DEMO_PASSWORD}`,
      publicValues: [DEFAULT_DEMO_PASSWORD],
      minLength: 12,
    });
  }
  return rules;
}

/** Exits 78 (through the caller's exitOnConfigError) in production when a secret is a default. */
export function refuseDefaultSecretsFor(
  services: readonly ServiceName[],
  seed: boolean,
  env: Record<string, string | undefined>,
): void {
  refuseDefaultSecrets(productionSecretRules(services, seed), env);
}
