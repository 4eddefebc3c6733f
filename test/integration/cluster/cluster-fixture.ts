import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { ServiceName } from '#contracts/services.js';
import { restartCopy } from '../../../ops/cluster/launcher.js';
import { loadOrCreateSecrets } from '../../../ops/cluster/secrets.js';
import {
  clusterStatus,
  readState,
  type ClusterState,
  type ClusterStatus,
} from '../../../ops/cluster/state.js';
import { startWatchdog } from '../../harness/process-cleanup.js';
import { launch, ROOT } from '../../support/processes.js';

/** Resilience numbers for a test (seconds, not minutes); everything else as `npm run cluster` runs it. */
export const CLUSTER_TEST_ENV: Record<string, string> = {
  LOG_LEVEL: 'warn',
  // The production ladder (1 s, 5 s, 15 s): a handler failing while PostgreSQL restarts must
  // outlast the restart, not be dead-lettered within two seconds.
  BUS_RETRY_DELAYS_MS: '1000,5000,15000',
  HTTP_TIMEOUT_MS: '5000',
  HTTP_RETRY_DELAYS_MS: '100,200,400',
  HTTP_BREAKER_OPEN_MS: '1000',
  // A killed copy's leases (relay, sagas, runs) pass to the other copy in seconds.
  OUTBOX_LEASE_MS: '3000',
  SAGA_LEASE_MS: '3000',
  INVOICE_RUN_LEASE_MS: '5000',
  INVOICE_RUN_PATIENCE_MS: '60000',
  // Every client of the test comes from one address (the balancer's).
  RATE_LIMIT_WRITES: '100000/60s',
  RATE_LIMIT_READS: '100000/60s',
  RATE_LIMIT_OPS: '100000/60s',
  RATE_LIMIT_SIGN_IN: '100000/60s',
  SIGN_IN_ADDRESS_LOCK_AFTER: '1000',
};

export interface ClusterUnderTest {
  dataDir: string;
  env: Record<string, string | undefined>;
  state(): ClusterState;
  status(): Promise<ClusterStatus>;
  /** The balancer's address of a service. */
  url(service: ServiceName): string;
  login(email: string): Promise<string>;
  /** A connection pool on one service's database. */
  db(service: ServiceName): pg.Pool;
  restartCopy(service: ServiceName, copy: number): Promise<number>;
  stop(): Promise<void>;
}

/** Starts a cluster the way `npm run cluster -- up --detach` does, on free ports, in a temp directory. */
export async function startClusterForTest(copies = 2): Promise<ClusterUnderTest> {
  const base = mkdtempSync(join(tmpdir(), 'dhanman-cluster-'));
  // PostgreSQL runs as the `postgres` user (we are root): it must reach its directory below this one.
  chmodSync(base, 0o755);
  const dataDir = join(base, 'cluster');
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...CLUSTER_TEST_ENV };
  const cli = (args: string[]) => launch('bin/cluster.ts', [...args, '--data-dir', dataDir], env);
  // If this process dies without its afterAll, the watchdog stops the cluster.
  const stopWatchdog = startWatchdog(
    process.pid,
    `cd '${ROOT}' && '${process.execPath}' --import tsx bin/cluster.ts down --data-dir '${dataDir}'; rm -rf '${base}'`,
  );
  const up = cli(['up', '--detach', '--free-ports', '--copies', String(copies)]);
  const code = await up.exited;
  if (code !== 0) {
    await cli(['down']).exited;
    stopWatchdog();
    rmSync(base, { recursive: true, force: true });
    throw new Error(`npm run cluster exited with ${code}:\n${up.output()}`);
  }
  const secrets = loadOrCreateSecrets(dataDir);
  const state = () => {
    const s = readState(dataDir);
    if (!s) throw new Error(`no cluster state in ${dataDir}`);
    return s;
  };
  const pools = new Map<ServiceName, pg.Pool>();
  const url = (service: ServiceName) => `http://127.0.0.1:${state().plan.balancer.ports[service]}`;
  return {
    dataDir,
    env,
    state,
    status: () => clusterStatus(state()),
    url,
    async login(email) {
      const res = await fetch(`${url('common')}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: secrets.env.DHANMAN_DEMO_PASSWORD }),
      });
      if (res.status !== 200) throw new Error(`login of ${email}: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { accessToken: string }).accessToken;
    },
    db(service) {
      let pool = pools.get(service);
      if (!pool) {
        const port = state().plan.postgres.port;
        pool = new pg.Pool({
          connectionString: `postgres://postgres:${encodeURIComponent(secrets.postgresPassword)}@127.0.0.1:${port}/dhanman_${service}`,
          max: 2,
        });
        // PostgreSQL restarts in one scenario: an idle client's error must not end the test process.
        pool.on('error', () => undefined);
        pools.set(service, pool);
      }
      return pool;
    },
    restartCopy: (service, copy) => restartCopy(dataDir, service, copy, env),
    async stop() {
      await Promise.all([...pools.values()].map((p) => p.end().catch(() => undefined)));
      const down = cli(['down']);
      const downCode = await down.exited;
      stopWatchdog();
      rmSync(base, { recursive: true, force: true });
      if (downCode !== 0)
        throw new Error(`npm run cluster -- down exited with ${downCode}:\n${down.output()}`);
    },
  };
}
