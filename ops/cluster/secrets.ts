import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SERVICE_NAMES } from '#contracts/services.js';
import { clientSecretVariable } from '#platform/host/service-credentials.js';
import { newClusterId } from './plan.js';

/**
 * The cluster's secrets, made at random on its first start and kept (mode 0600) in its data
 * directory, so a restart finds the same database, broker and demo password. A deployment on
 * PostgreSQL + RabbitMQ refuses the built-in defaults, so none of these is ever one of them.
 */
export interface ClusterSecrets {
  clusterId: string;
  erlangCookie: string;
  postgresPassword: string;
  rabbitmqPassword: string;
  /** Passed to every service process as environment (the variables the services read). */
  env: Record<string, string>;
}

const token = (bytes: number) => randomBytes(bytes).toString('base64url');
// Handed to rabbitmqctl and initdb as arguments: base64url may start with '-', which they read
// as an option (a chaos run failed at `add_user` once in ~64 starts), so these are hex.
const argumentToken = (bytes: number) => randomBytes(bytes).toString('hex');

function fresh(): ClusterSecrets {
  return {
    clusterId: newClusterId(),
    erlangCookie: randomBytes(20).toString('hex').toUpperCase(),
    postgresPassword: argumentToken(24),
    rabbitmqPassword: argumentToken(24),
    env: {
      // One secret per service: a stolen one cannot ask as another (docs/adr/0022).
      ...Object.fromEntries(SERVICE_NAMES.map((name) => [clientSecretVariable(name), token(32)])),
      GATEWAY_API_KEY: token(32),
      AUTH_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      DHANMAN_DEMO_PASSWORD: `demo-${token(9)}`,
      // HAProxy and the console on this host forward the client's address.
      TRUSTED_PROXIES: 'loopback',
    },
  };
}

export function secretsFile(dataDir: string): string {
  return join(dataDir, 'secrets.json');
}

/** The secrets of the cluster in `dataDir`, made now when it has none. */
export function loadOrCreateSecrets(dataDir: string): ClusterSecrets {
  const file = secretsFile(dataDir);
  if (existsSync(file)) {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as ClusterSecrets;
    // A secret a later version needs is added without changing the others.
    const made = fresh();
    const merged = { ...made, ...kept, env: { ...made.env, ...kept.env } };
    if (Object.keys(merged.env).length !== Object.keys(kept.env).length) save(file, merged);
    return merged;
  }
  const made = fresh();
  save(file, made);
  return made;
}

function save(file: string, s: ClusterSecrets): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
}
