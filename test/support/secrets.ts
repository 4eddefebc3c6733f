import { randomBytes } from 'node:crypto';
import { clientSecretVariable } from '#platform/host/service-credentials.js';
import { SERVICE_NAMES } from '#contracts/services.js';

const secret = () => randomBytes(32).toString('base64url');

/**
 * Real secrets for a system on PostgreSQL + RabbitMQ, which refuses built-in ones: a client secret
 * per service, the key that seals Common's signing keys, the gateway's merchant key, a demo
 * password of the test run's own.
 * One set per test process, so child processes started with a system's environment share it.
 */
export const PRODUCTION_SECRETS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(SERVICE_NAMES.map((name) => [clientSecretVariable(name), secret()])),
  AUTH_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  GATEWAY_API_KEY: secret(),
  DHANMAN_DEMO_PASSWORD: `demo-${secret()}`,
};
