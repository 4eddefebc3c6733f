import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NAMES, type ServiceName } from '#contracts/services.js';
import { prometheusConfig } from '../../bin/prometheus.js';
import { startHaproxy } from './haproxy.js';
import { ensureClusterPackages } from './install.js';
import { checkPortsFree, ClusterInputError, planCluster, type ClusterPlan, type CopyPlan } from './plan.js';
import { initPostgres, startPostgres, stopPostgres } from './postgres.js';
import { isAlive, logTail, startNodeProcess, stopProcesses, waitHttpOk } from './processes.js';
import { amqpUrls, killRabbitNode, startRabbitCluster } from './rabbitmq.js';
import { loadOrCreateSecrets, type ClusterSecrets } from './secrets.js';
import { clearState, livePids, readState, writeState, type ClusterState } from './state.js';

export interface UpOptions {
  dataDir: string;
  copies: number;
  freePorts: boolean;
  env: Record<string, string | undefined>;
  say: (line: string) => void;
}

const PHASE_TIMEOUT_MS = 300_000;
/** Services that must answer before the others start: the gateway, and Common (it serves the JWKS). */
const FIRST: ServiceName[] = ['gateway', 'common'];

/** What a service copy inherits from the launcher: nothing npm, broker or port-specific of the launcher's own. */
function inheritedEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(env).filter(
      ([key]) =>
        // npm_lifecycle_event makes a service stop when its parent goes: a copy outlives a detached launcher.
        !key.startsWith('npm_') &&
        !key.startsWith('RABBITMQ_') &&
        !key.startsWith('ERL_') &&
        !/^(PORT|DATABASE_URL|AMQP_URL|CONSOLE_PORT|[A-Z]+_(PORT|URL))$/.test(key),
    ),
  );
}

/** The environment every process of the cluster gets: where everything is, and the cluster's secrets. */
export function clusterEnv(
  plan: ClusterPlan,
  secrets: ClusterSecrets,
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {
    ...inheritedEnv(env),
    ...secrets.env,
    DATABASE_URL: `postgres://postgres:${encodeURIComponent(secrets.postgresPassword)}@127.0.0.1:${plan.postgres.port}/postgres`,
    AMQP_URL: amqpUrls(plan.rabbitmq, secrets.rabbitmqPassword),
    HOST: '127.0.0.1',
    LOG_FORMAT: 'json',
  };
  // Every call between services goes through the balancer: it knows which copies are ready.
  for (const s of SERVICE_NAMES) out[`${s.toUpperCase()}_URL`] = `http://127.0.0.1:${plan.balancer.ports[s]}`;
  return out;
}

/** Starts one copy of a service (its own port, data directory and log file); returns its pid. */
export function startCopy(
  plan: ClusterPlan,
  env: Record<string, string | undefined>,
  c: CopyPlan,
  seed: boolean,
): number {
  return startNodeProcess(
    'bin/service.ts',
    [c.service, ...(seed ? ['--demo'] : [])],
    {
      ...env,
      PORT: String(c.port),
      DHANMAN_DATA_DIR: join(plan.dataDir, 'services', `${c.service}-${c.copy}`),
    },
    join(plan.logs, `${c.service}-${c.copy}.log`),
  );
}

function waitCopyReady(plan: ClusterPlan, c: CopyPlan & { pid: number }): Promise<void> {
  const log = join(plan.logs, `${c.service}-${c.copy}.log`);
  return waitHttpOk(
    `http://127.0.0.1:${c.port}/health/ready`,
    `${c.service} copy ${c.copy} (log: ${log})`,
    PHASE_TIMEOUT_MS,
    () => isAlive(c.pid),
  );
}

/**
 * Starts again a copy that died (or was killed), on its port, with the environment the cluster
 * was started with (`env` as the launcher saw it); resolves once it is ready.
 */
export async function restartCopy(
  dataDir: string,
  service: ServiceName,
  copy: number,
  env: Record<string, string | undefined>,
): Promise<number> {
  const state = readState(dataDir);
  const entry = state?.copies.find((c) => c.service === service && c.copy === copy);
  if (!state || !entry)
    throw new ClusterInputError(`no ${service} copy ${copy} in the cluster at ${dataDir}`);
  if (isAlive(entry.pid))
    throw new ClusterInputError(`${service} copy ${copy} still runs (pid ${entry.pid})`);
  const cenv = clusterEnv(state.plan, loadOrCreateSecrets(dataDir), env);
  entry.pid = startCopy(state.plan, cenv, entry, false);
  writeState(state);
  await waitCopyReady(state.plan, entry);
  return entry.pid;
}

/** A cluster whose processes still run in `dataDir`, if any. */
export function runningCluster(dataDir: string): ClusterState | undefined {
  const state = readState(dataDir);
  return state && livePids(state).length > 0 ? state : undefined;
}

/**
 * Starts the cluster: PostgreSQL and three RabbitMQ nodes, HAProxy, the copies of every service and
 * the console; resolves once every service answers ready through the balancer. On any failure it
 * stops whatever it started and rethrows: nothing is left half-started.
 */
export async function upCluster(o: UpOptions): Promise<ClusterState> {
  if (o.copies < 1) throw new ClusterInputError('--copies: expected at least 1');
  const running = runningCluster(o.dataDir);
  if (running) {
    throw new ClusterInputError(
      `a cluster is already running from ${o.dataDir} (pids ${livePids(running).join(', ')}): stop it with \`npm run cluster -- down\``,
    );
  }
  mkdirSync(o.dataDir, { recursive: true });
  const secrets = loadOrCreateSecrets(o.dataDir);
  const plan = await planCluster({ ...o, clusterId: secrets.clusterId });
  await checkPortsFree(plan);
  ensureClusterPackages(o.say);

  const state: ClusterState = { plan, launcherPid: process.pid, copies: [] };
  writeState(state);
  try {
    o.say(`PostgreSQL on ${plan.postgres.port}`);
    initPostgres(plan.postgres, secrets.postgresPassword);
    startPostgres(plan.postgres);
    o.say(`RabbitMQ: ${plan.rabbitmq.map((n) => `${n.node} on ${n.amqpPort}`).join(', ')}`);
    await startRabbitCluster(plan.rabbitmq, secrets, o.say);
    state.balancerPid = startHaproxy(plan);
    writeState(state);
    // Where this cluster's copies and nodes actually are, for `prometheus --config.file=...`.
    writeFileSync(
      join(plan.dataDir, 'prometheus.yml'),
      prometheusConfig({
        services: plan.copyPorts.map((c) => `127.0.0.1:${c.port}`),
        rabbitmq: plan.rabbitmq.map((n) => `127.0.0.1:${n.prometheusPort}`),
        balancer: `127.0.0.1:${plan.balancer.metrics}`,
      }),
    );
    const env = clusterEnv(plan, secrets, o.env);
    const seeded = join(plan.dataDir, 'seeded');
    const seed = !existsSync(seeded);
    const startCopies = async (services: ServiceName[]) => {
      const started = plan.copyPorts
        .filter((c) => services.includes(c.service))
        .map((c) => {
          const copy = { ...c, pid: startCopy(plan, env, c, seed && c.copy === 1) };
          state.copies.push(copy);
          return copy;
        });
      writeState(state);
      await Promise.all(started.map((c) => waitCopyReady(plan, c)));
    };
    o.say(`starting ${plan.copies} cop${plan.copies === 1 ? 'y' : 'ies'} of each service`);
    await startCopies(FIRST);
    await startCopies(SERVICE_NAMES.filter((s) => !FIRST.includes(s)));
    if (seed) writeFileSync(seeded, new Date().toISOString());
    state.consolePid = startNodeProcess(
      'ops/cluster/console-main.ts',
      [],
      { ...env, CONSOLE_PORT: String(plan.console.port) },
      join(plan.logs, 'console.log'),
    );
    writeState(state);
    const consolePid = state.consolePid;
    await waitHttpOk(`http://127.0.0.1:${plan.console.port}/`, 'the console', PHASE_TIMEOUT_MS, () =>
      isAlive(consolePid),
    );
    // Ready means ready where clients look: every service through the balancer. A balancer that
    // died (a port taken between planning and its start, say) fails this at once, with its log.
    const balancerLog = join(plan.logs, 'haproxy.log');
    const balancerPid = state.balancerPid;
    for (const s of SERVICE_NAMES) {
      await waitHttpOk(
        `http://127.0.0.1:${plan.balancer.ports[s]}/health/ready`,
        `${s} through the balancer`,
        60_000,
        () => isAlive(balancerPid),
      ).catch((err: unknown) => {
        const why = err instanceof Error ? err.message : String(err);
        const alive = isAlive(balancerPid) ? 'running' : 'not running';
        throw new Error(`${why}; HAProxy is ${alive}; the end of ${balancerLog}:\n${logTail(balancerLog)}`);
      });
    }
    await waitHttpOk(
      `http://127.0.0.1:${plan.balancer.console}/`,
      'the console through the balancer',
      60_000,
    );
    return state;
  } catch (err) {
    o.say(`starting failed: ${(err as Error).message.split('\n')[0]}; stopping what was started`);
    await stopCluster(state);
    throw err;
  }
}

/** Stops every process of the cluster (copies first, PostgreSQL last) and checks none is left. */
export async function stopCluster(state: ClusterState): Promise<void> {
  const { plan } = state;
  await stopProcesses([...state.copies.map((c) => c.pid), ...(state.consolePid ? [state.consolePid] : [])]);
  if (state.balancerPid) await stopProcesses([state.balancerPid], 5_000);
  await Promise.all(plan.rabbitmq.map((n) => killRabbitNode(n).catch(() => undefined)));
  try {
    stopPostgres(plan.postgres);
  } catch {
    // Reported below if it still runs.
  }
  const left = livePids(state);
  if (left.length > 0) {
    await stopProcesses(left, 5_000);
    const still = livePids(state);
    if (still.length > 0)
      throw new Error(`processes still running after stopping the cluster: ${still.join(', ')}`);
  }
  clearState(plan.dataDir);
}

/**
 * `down`: stops the cluster started from `dataDir`. A launcher still in the foreground is asked to
 * stop it (SIGTERM, as Ctrl-C would) and waited for; whatever is left is then stopped here.
 */
export async function downCluster(dataDir: string): Promise<boolean> {
  const state = readState(dataDir);
  if (!state) return false;
  const launcher = state.launcherPid;
  if (launcher !== undefined && launcher !== process.pid && isAlive(launcher)) {
    await stopProcesses([launcher], 120_000);
  }
  const left = readState(dataDir);
  if (left) await stopCluster(left);
  return true;
}
