import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import type { ServiceName } from '#contracts/services.js';
import type { ClusterPlan } from './plan.js';
import { isAlive } from './processes.js';
import { postgresPid } from './postgres.js';
import { rabbitNodePid } from './rabbitmq.js';

/** What a running cluster is made of, kept in its data directory for `status` and `down`. */
export interface ClusterState {
  plan: ClusterPlan;
  /** The launcher in the foreground; absent once it detached. */
  launcherPid?: number;
  balancerPid?: number;
  consolePid?: number;
  copies: { service: ServiceName; copy: number; port: number; pid: number }[];
}

export interface ClusterStatus {
  ready: boolean;
  rabbitmq: {
    node: string;
    amqpPort: number;
    prometheusPort: number;
    pid: number | null;
    running: boolean;
  }[];
  postgres: { port: number; pid: number | null };
  balancer: { pid: number | null; ports: Record<string, number> };
  services: { service: ServiceName; copy: number; port: number; pid: number; ready: boolean }[];
  console: { port: number };
}

export const stateFile = (dataDir: string) => join(dataDir, 'state.json');

export function readState(dataDir: string): ClusterState | undefined {
  const file = stateFile(dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ClusterState) : undefined;
}

export function writeState(state: ClusterState): void {
  writeFileSync(stateFile(state.plan.dataDir), `${JSON.stringify(state, null, 2)}\n`);
}

export function clearState(dataDir: string): void {
  rmSync(stateFile(dataDir), { force: true });
}

/** Every pid of the cluster that still runs (services, console, balancer, nodes, PostgreSQL). */
export function livePids(state: ClusterState): number[] {
  const pids = [
    ...state.copies.map((c) => c.pid),
    state.consolePid,
    state.balancerPid,
    ...state.plan.rabbitmq.map(rabbitNodePid),
    postgresPid(state.plan.postgres),
  ];
  return pids.filter((p): p is number => p !== undefined && isAlive(p));
}

const portOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setTimeout(2_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });

const readyAt = (port: number): Promise<boolean> =>
  fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(5_000) }).then(
    (r) => r.status === 200,
    () => false,
  );

/** The cluster as it is now: which processes live, which copies are ready, which nodes accept AMQP. */
export async function clusterStatus(state: ClusterState): Promise<ClusterStatus> {
  const { plan } = state;
  const rabbitmq = await Promise.all(
    plan.rabbitmq.map(async (n) => {
      const pid = rabbitNodePid(n) ?? null;
      return {
        node: n.node,
        amqpPort: n.amqpPort,
        prometheusPort: n.prometheusPort,
        pid,
        running: pid !== null && (await portOpen(n.amqpPort)),
      };
    }),
  );
  const services = await Promise.all(
    state.copies.map(async (c) => ({ ...c, ready: isAlive(c.pid) && (await readyAt(c.port)) })),
  );
  const balancerPid =
    state.balancerPid !== undefined && isAlive(state.balancerPid) ? state.balancerPid : null;
  const pgPid = postgresPid(plan.postgres) ?? null;
  return {
    ready:
      rabbitmq.every((r) => r.running) &&
      pgPid !== null &&
      balancerPid !== null &&
      services.length > 0 &&
      services.every((s) => s.ready),
    rabbitmq,
    postgres: { port: plan.postgres.port, pid: pgPid },
    balancer: {
      pid: balancerPid,
      ports: { ...plan.balancer.ports, console: plan.balancer.console, metrics: plan.balancer.metrics },
    },
    services,
    console: { port: plan.balancer.console },
  };
}
