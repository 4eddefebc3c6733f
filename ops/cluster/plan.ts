import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { SERVICE_NAMES, SERVICE_PORTS, type ServiceName } from '#contracts/services.js';
import { freePortsOutsideEphemeral } from '../../test/harness/ports.js';

/** How many RabbitMQ nodes: three, so a quorum queue keeps a majority when one is lost. */
export const RABBIT_NODES = 3;

export interface RabbitNodePlan {
  /** e.g. `dhanman-3f9a1c-1@localhost`: unique on the machine (epmd is shared). */
  node: string;
  amqpPort: number;
  distPort: number;
  prometheusPort: number;
  dir: string;
}

export interface CopyPlan {
  service: ServiceName;
  copy: number;
  port: number;
}

/** Where every process of one cluster listens and keeps its data. */
export interface ClusterPlan {
  dataDir: string;
  copies: number;
  rabbitmq: RabbitNodePlan[];
  postgres: { port: number; dir: string };
  /** The balancer's ports: one per service (the usual ones by default), the console, HAProxy's own metrics. */
  balancer: { ports: Record<ServiceName, number>; console: number; metrics: number; dir: string };
  copyPorts: CopyPlan[];
  console: { port: number };
  logs: string;
}

export interface PlanOptions {
  dataDir: string;
  copies: number;
  /** Every port a free one (tests, benchmarks); else the usual ports, `<SERVICE>_PORT`/`CONSOLE_PORT` overriding. */
  freePorts: boolean;
  /** The cluster's id (node names); kept in the data directory so a restart finds its nodes. */
  clusterId: string;
  env: Record<string, string | undefined>;
}

export class ClusterInputError extends Error {
  override name = 'ClusterInputError';
}

/** Parses `--copies`: a whole number from 1 to 16. */
export function copiesOf(value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !/^\d+$/.test(value) || n < 1 || n > 16) {
    throw new ClusterInputError(
      `--copies: expected a whole number from 1 to 16 (got ${JSON.stringify(value ?? '')})`,
    );
  }
  return n;
}

export const newClusterId = (): string => randomBytes(3).toString('hex');

function envPort(env: PlanOptions['env'], key: string, def: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new ClusterInputError(`${key}: expected a port from 1 to 65535 (got ${JSON.stringify(raw)})`);
  }
  return n;
}

/** The ports and directories of a cluster. */
export async function planCluster(o: PlanOptions): Promise<ClusterPlan> {
  const dataDir = resolve(o.dataDir);
  const fixedCount = SERVICE_NAMES.length + 2 + RABBIT_NODES * 3 + 1;
  // Below the ephemeral range: the servers bind them up to a minute later (ports.ts).
  const free = await freePortsOutsideEphemeral(fixedCount + SERVICE_NAMES.length * o.copies + 1);
  const take = () => free.shift() as number;
  const ports = {} as Record<ServiceName, number>;
  for (const s of SERVICE_NAMES) {
    ports[s] = o.freePorts ? take() : envPort(o.env, `${s.toUpperCase()}_PORT`, SERVICE_PORTS[s]);
  }
  const consolePort = o.freePorts ? take() : envPort(o.env, 'CONSOLE_PORT', 8080);
  const metrics = o.freePorts ? take() : envPort(o.env, 'CLUSTER_BALANCER_METRICS_PORT', 8404);
  const rabbitmq: RabbitNodePlan[] = Array.from({ length: RABBIT_NODES }, (_, i) => ({
    node: `dhanman-${o.clusterId}-${i + 1}@localhost`,
    amqpPort: o.freePorts ? take() : 5672 + i,
    distPort: o.freePorts ? take() : 25672 + i,
    prometheusPort: o.freePorts ? take() : 15692 + i,
    dir: join(dataDir, 'rabbitmq', `node${i + 1}`),
  }));
  const pgPort = o.freePorts ? take() : envPort(o.env, 'CLUSTER_POSTGRES_PORT', 5432);
  // On the usual ports the copies sit at a fixed place (common 5001: copies 5101, 5201, ...), so a
  // static Prometheus config (ops/prometheus/cluster.yml) can name them.
  const copyPorts: CopyPlan[] = SERVICE_NAMES.flatMap((service) =>
    Array.from({ length: o.copies }, (_, i) => ({
      service,
      copy: i + 1,
      port: o.freePorts ? take() : ports[service] + 100 * (i + 1),
    })),
  );
  return {
    dataDir,
    copies: o.copies,
    rabbitmq,
    postgres: { port: pgPort, dir: join(dataDir, 'postgres') },
    balancer: { ports, console: consolePort, metrics, dir: join(dataDir, 'haproxy') },
    copyPorts,
    console: { port: take() },
    logs: join(dataDir, 'logs'),
  };
}

/** Every port the cluster will listen on, with what it is for. */
export function plannedPorts(p: ClusterPlan): { port: number; what: string }[] {
  return [
    ...SERVICE_NAMES.map((s) => ({ port: p.balancer.ports[s], what: `the balancer's ${s} port` })),
    { port: p.balancer.console, what: "the balancer's console port" },
    { port: p.balancer.metrics, what: "the balancer's metrics port" },
    ...p.rabbitmq.flatMap((r) => [
      { port: r.amqpPort, what: `RabbitMQ ${r.node} (AMQP)` },
      { port: r.distPort, what: `RabbitMQ ${r.node} (distribution)` },
      { port: r.prometheusPort, what: `RabbitMQ ${r.node} (Prometheus)` },
    ]),
    { port: p.postgres.port, what: 'PostgreSQL' },
    ...p.copyPorts.map((c) => ({ port: c.port, what: `${c.service} copy ${c.copy}` })),
    { port: p.console.port, what: 'the console' },
  ];
}

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

/** Refuses to start when a port is taken (before anything starts), naming each one. */
export async function checkPortsFree(p: ClusterPlan): Promise<void> {
  const planned = plannedPorts(p);
  const seen = new Map<number, string>();
  const problems: string[] = [];
  for (const { port, what } of planned) {
    const twice = seen.get(port);
    if (twice) problems.push(`port ${port} is given to both ${twice} and ${what}`);
    seen.set(port, what);
  }
  const taken = await Promise.all(planned.map(({ port }) => portTaken(port)));
  planned.forEach(({ port, what }, i) => {
    if (taken[i]) problems.push(`port ${port} (${what}) is already in use`);
  });
  if (problems.length > 0) throw new ClusterInputError(problems.join('; '));
}
