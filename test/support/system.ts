import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { startSystem, type System } from '../../bin/system.js';
import type { ServiceName } from '#contracts/services.js';
import type { Db } from '#platform/data/db.js';
import { DEFAULT_DEMO_PASSWORD } from '#contracts/demo.js';
import { uniqueName } from '../harness/unique-name.js';
import { isolatedAmqpUrl } from './broker.js';
import { PRODUCTION_SECRETS } from './secrets.js';

export type Mode = 'embedded' | 'distributed';

/** Resilience numbers scaled down so tests run in milliseconds. */
export const FAST_SETTINGS: Record<string, string> = {
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  BUS_RETRY_DELAYS_MS: '100,200,300',
  BUS_QUEUE_TYPE: 'quorum',
  JOB_RETRY_DELAYS_MS: '1000,1000',
  HTTP_TIMEOUT_MS: '2000',
  HTTP_RETRY_DELAYS_MS: '20,40,80',
  HTTP_BREAKER_OPEN_MS: '1000',
  OUTBOX_RETENTION_MS: '3600000',
  // Limits far above what a test sends from its one address (security.test.ts sets small ones).
  RATE_LIMIT_SIGN_IN: '100000/60s',
  RATE_LIMIT_WRITES: '100000/60s',
  RATE_LIMIT_READS: '100000/60s',
  RATE_LIMIT_OPS: '100000/60s',
  SIGN_IN_ADDRESS_LOCK_AFTER: '1000',
  // Common's signing keys sealed at rest, as production should run (npm start's tests run without).
  AUTH_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};

export interface TestSystem extends System {
  mode: Mode;
  /** The environment the system was started with (URLs of the servers, database prefix...). */
  env: Record<string, string | undefined>;
  /** The demo users' password: the public default embedded, a random one on PostgreSQL + RabbitMQ. */
  demoPassword: string;
  /** Signs in a demo user (or any user) at Common and returns the bearer token. */
  login(email: string, password?: string): Promise<string>;
}

export interface TestSystemOptions {
  mode: Mode;
  only?: ServiceName[];
  seed?: boolean;
  env?: Record<string, string>;
  /** Serve the web console too. */
  console?: boolean;
}

/**
 * Starts services in the test process on free ports: embedded on an in-memory PGlite, or
 * distributed on the run's PostgreSQL (a database prefix of its own) and RabbitMQ (a vhost of its own).
 */
export async function startTestSystem(opts: TestSystemOptions): Promise<TestSystem> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...FAST_SETTINGS,
    DHANMAN_DATA_DIR: 'memory://',
  };
  delete env.DATABASE_URL;
  delete env.AMQP_URL;
  // Embedded only: hashing at OWASP's cost (128 MiB, about a second here) for every test sign-in
  // would cost minutes; production (PostgreSQL + RabbitMQ) refuses anything cheaper.
  if (opts.mode === 'embedded') env.PASSWORD_HASH_COST = 'ln=12,r=8,p=1';
  if (opts.mode === 'distributed') {
    env.DATABASE_URL = inject('databaseUrl');
    env.AMQP_URL = await isolatedAmqpUrl();
    env.DATABASE_PREFIX = uniqueName('t');
    // Production mode: every secret real (the demo users' password included).
    Object.assign(env, PRODUCTION_SECRETS);
  }
  Object.assign(env, opts.env);
  const system = await startSystem({
    env,
    seed: opts.seed ?? true,
    freePorts: true,
    console: opts.console ?? false,
    ...(opts.only ? { only: opts.only } : {}),
  });
  return {
    ...system,
    mode: opts.mode,
    env,
    demoPassword: env.DHANMAN_DEMO_PASSWORD ?? DEFAULT_DEMO_PASSWORD,
    async login(email, password = env.DHANMAN_DEMO_PASSWORD ?? DEFAULT_DEMO_PASSWORD) {
      const res = await fetch(`${system.url('common')}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      if (res.status !== 200) throw new Error(`login of ${email} failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { accessToken: string }).accessToken;
    },
  };
}

/** A running service's database; fails naming the service when it runs without one. */
export function dbOf(system: System, name: ServiceName): Db {
  const db = system.services.find((s) => s.name === name)?.db;
  if (!db) throw new Error(`${name} is not running with a database`);
  return db;
}
