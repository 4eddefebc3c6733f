import { SERVICE_NAMES, type ServiceName } from '#contracts/services.js';
import { runningCluster, stopCluster, upCluster } from '../cluster/launcher.js';
import { RABBIT_NODES } from '../cluster/plan.js';
import { amqpUrls } from '../cluster/rabbitmq.js';
import { loadOrCreateSecrets } from '../cluster/secrets.js';
import { readState, writeState, type ClusterState } from '../cluster/state.js';

/**
 * Settings the tool gives a cluster it starts: resilience numbers in seconds rather than minutes
 * (a 90-second run must see a killed copy's leases pass and a failed handler retried), and rate
 * limits out of the way (every client of the run comes from one address).
 */
export const CHAOS_CLUSTER_ENV: Record<string, string> = {
  LOG_LEVEL: 'warn',
  HTTP_TIMEOUT_MS: '5000',
  HTTP_RETRY_DELAYS_MS: '200,500,1000',
  HTTP_BREAKER_OPEN_MS: '2000',
  GATEWAY_BREAKER_OPEN_MS: '3000',
  PAYMENT_RETRY_DELAYS_MS: '500,1000,2000,5000',
  OUTBOX_LEASE_MS: '3000',
  SAGA_LEASE_MS: '3000',
  INVOICE_RUN_LEASE_MS: '5000',
  INVOICE_RUN_PATIENCE_MS: '120000',
  RATE_LIMIT_WRITES: '100000/60s',
  RATE_LIMIT_READS: '100000/60s',
  RATE_LIMIT_OPS: '100000/60s',
  RATE_LIMIT_SIGN_IN: '100000/60s',
  SIGN_IN_ADDRESS_LOCK_AFTER: '100000',
};

export interface ChaosCluster {
  dataDir: string;
  /** Started by this run (so stopped by it, unless kept). */
  ours: boolean;
  env: Record<string, string | undefined>;
  state(): ClusterState;
  url(service: ServiceName): string;
  gatewayCopies(): string[];
  /** Each copy's own address (switches kept per process: the gateway's faults, the mail switch). */
  copiesOf(service: ServiceName): string[];
  amqpUrls(): string[];
  demoPassword: string;
  copies: number;
  brokerNodes: number;
  services: readonly ServiceName[];
  release(keep: boolean): Promise<void>;
}

/** The cluster in `dataDir`: the running one, or one started now on free ports. */
export async function openCluster(o: {
  dataDir: string;
  copies: number;
  env: Record<string, string | undefined>;
  say: (line: string) => void;
}): Promise<ChaosCluster> {
  const running = runningCluster(o.dataDir);
  const env = { ...CHAOS_CLUSTER_ENV, ...o.env };
  if (running) o.say(`using the cluster running from ${o.dataDir}`);
  else
    o.say(
      `starting a cluster (${o.copies} cop${o.copies === 1 ? 'y' : 'ies'} of each service) in ${o.dataDir}`,
    );
  const started =
    running ?? (await upCluster({ dataDir: o.dataDir, copies: o.copies, freePorts: true, env, say: o.say }));
  const secrets = loadOrCreateSecrets(o.dataDir);
  const state = () => readState(o.dataDir) ?? started;
  return {
    dataDir: o.dataDir,
    ours: !running,
    env,
    state,
    url: (s) => `http://127.0.0.1:${state().plan.balancer.ports[s]}`,
    gatewayCopies: () =>
      state()
        .copies.filter((c) => c.service === 'gateway')
        .map((c) => `http://127.0.0.1:${c.port}`),
    copiesOf: (service: ServiceName) =>
      state()
        .copies.filter((c) => c.service === service)
        .map((c) => `http://127.0.0.1:${c.port}`),
    amqpUrls: () => amqpUrls(state().plan.rabbitmq, secrets.rabbitmqPassword).split(','),
    demoPassword: secrets.env.DHANMAN_DEMO_PASSWORD ?? 'dhanman-demo',
    copies: started.plan.copies,
    brokerNodes: RABBIT_NODES,
    services: SERVICE_NAMES,
    async release(keep) {
      if (!running && !keep) await stopCluster(state());
      else if (!running) {
        // Kept: the cluster outlives this process, as `npm run cluster -- --detach` leaves it.
        const s = state();
        delete s.launcherPid;
        writeState(s);
      }
    },
  };
}
