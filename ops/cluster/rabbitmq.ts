import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { linkPlugins } from '../../test/harness/rabbitmq-plugins.js';
import {
  bootRabbit,
  killRabbit,
  rabbitmqctl,
  rabbitPid,
  type RabbitNodeSpec,
} from '../../test/harness/rabbitmq-node.js';
import type { RabbitNodePlan } from './plan.js';

/** The broker's own Prometheus exporter, on every node (its port is in the plan). */
const PLUGINS = ['rabbitmq_prometheus'];
/** The user the services connect as (its password is one of the cluster's secrets). */
export const RABBIT_USER = 'dhanman';

export function nodeSpec(n: RabbitNodePlan): RabbitNodeSpec {
  return {
    dir: n.dir,
    nodeName: n.node,
    port: n.amqpPort,
    distPort: n.distPort,
    // guest is allowed on loopback only: the launcher's own checks use it, the services do not.
    url: `amqp://guest:guest@127.0.0.1:${n.amqpPort}`,
    pidFile: join(n.dir, 'rabbitmq.pid'),
    prometheusPort: n.prometheusPort,
  };
}

/** The node list the services get in AMQP_URL. */
export function amqpUrls(nodes: readonly RabbitNodePlan[], password: string): string {
  return nodes
    .map((n) => `amqp://${RABBIT_USER}:${encodeURIComponent(password)}@127.0.0.1:${n.amqpPort}`)
    .join(',');
}

function prepare(n: RabbitNodePlan, cookie: string): void {
  for (const sub of ['home', 'log', 'mnesia', 'plugins-expand'])
    mkdirSync(join(n.dir, sub), { recursive: true });
  writeFileSync(join(n.dir, 'plugins-dir'), linkPlugins(join(n.dir, 'plugins'), PLUGINS));
  writeFileSync(join(n.dir, 'enabled_plugins'), `[${PLUGINS.join(',')}].\n`);
  // Empty on purpose: the system-wide /etc/rabbitmq/rabbitmq-env.conf must not leak in.
  writeFileSync(join(n.dir, 'rabbitmq-env.conf'), '');
  // Nodes of one cluster (and rabbitmqctl) prove themselves to each other with the same cookie.
  const cookieFile = join(n.dir, 'home', '.erlang.cookie');
  if (!existsSync(cookieFile)) {
    writeFileSync(cookieFile, cookie, { mode: 0o400 });
    chmodSync(cookieFile, 0o400);
  }
}

const clusteredMarker = (nodes: readonly RabbitNodePlan[]) => join(nodes[0]!.dir, '..', 'clustered');

/**
 * Boots the nodes together (a node of an existing cluster waits for its peers at boot) and, the
 * first time, joins the second and third to the first and adds the services' user. Quorum queues
 * declared afterwards get a member on each of the three nodes (the broker's default group size is 3).
 */
export async function startRabbitCluster(
  nodes: readonly RabbitNodePlan[],
  secrets: { erlangCookie: string; rabbitmqPassword: string },
  say: (line: string) => void,
): Promise<void> {
  for (const n of nodes) prepare(n, secrets.erlangCookie);
  await Promise.all(nodes.map((n) => bootRabbit(nodeSpec(n), 180_000)));
  const [first, ...others] = nodes as [RabbitNodePlan, ...RabbitNodePlan[]];
  if (!existsSync(clusteredMarker(nodes))) {
    for (const n of others) {
      say(`joining ${n.node} to ${first.node}`);
      const spec = nodeSpec(n);
      await rabbitmqctl(spec, 'stop_app');
      await rabbitmqctl(spec, 'join_cluster', first.node);
      await rabbitmqctl(spec, 'start_app');
    }
    const spec = nodeSpec(first);
    await rabbitmqctl(spec, 'add_user', RABBIT_USER, secrets.rabbitmqPassword);
    await rabbitmqctl(spec, 'set_permissions', '-p', '/', RABBIT_USER, '.*', '.*', '.*');
    await rabbitmqctl(spec, 'set_user_tags', RABBIT_USER, 'monitoring');
    writeFileSync(clusteredMarker(nodes), `${nodes.map((n) => n.node).join('\n')}\n`);
  }
  const running = await runningNodes(first);
  if (running.length !== nodes.length) {
    throw new Error(
      `RabbitMQ cluster formed with ${running.length} running node(s) of ${nodes.length}: ${running.join(', ')}`,
    );
  }
}

/** The nodes the cluster sees running, asked of `via`. */
export async function runningNodes(via: RabbitNodePlan): Promise<string[]> {
  const out = await rabbitmqctl(nodeSpec(via), 'cluster_status', '--formatter', 'json');
  return (JSON.parse(out) as { running_nodes: string[] }).running_nodes;
}

export const rabbitNodePid = (n: RabbitNodePlan): number | undefined => rabbitPid(nodeSpec(n));
export const bootRabbitNode = (n: RabbitNodePlan): Promise<void> => bootRabbit(nodeSpec(n), 180_000);
export const killRabbitNode = (n: RabbitNodePlan): Promise<void> => killRabbit(nodeSpec(n));
export const rabbitctl = (n: RabbitNodePlan, ...args: string[]): Promise<string> =>
  rabbitmqctl(nodeSpec(n), ...args);
