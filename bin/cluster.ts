/**
 * `npm run cluster`: the deployment of several machines on one: three RabbitMQ nodes, one
 * PostgreSQL, HAProxy on the usual ports in front of N copies of every service, and the console.
 *
 *   npm run cluster [-- up] [--copies N] [--detach] [--data-dir DIR] [--free-ports]
 *   npm run cluster -- status [--data-dir DIR]     one JSON object
 *   npm run cluster -- down [--data-dir DIR]       stops every process of it
 *
 * See docs/scaling.md and docs/adr/0026-cluster-on-one-machine.md.
 */
import { resolve } from 'node:path';
import { DEMO_USERS } from '#contracts/demo.js';
import { SERVICE_NAMES } from '#contracts/services.js';
import { downCluster, stopCluster, upCluster } from '../ops/cluster/launcher.js';
import { ClusterInputError, copiesOf } from '../ops/cluster/plan.js';
import { isAlive } from '../ops/cluster/processes.js';
import { loadOrCreateSecrets } from '../ops/cluster/secrets.js';
import { clusterStatus, readState, writeState, type ClusterState } from '../ops/cluster/state.js';

const DEFAULT_DIR = './.dhanman/cluster';
const say = (line: string) => process.stderr.write(`[cluster] ${line}\n`);

interface Args {
  command: 'up' | 'status' | 'down';
  copies: number;
  detach: boolean;
  freePorts: boolean;
  dataDir: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { command: 'up', copies: 2, detach: false, freePorts: false, dataDir: DEFAULT_DIR };
  const rest = [...argv];
  if (rest[0] === 'up' || rest[0] === 'status' || rest[0] === 'down')
    args.command = rest.shift() as Args['command'];
  while (rest.length > 0) {
    const flag = rest.shift() as string;
    const [name, inline] = flag.split('=', 2) as [string, string | undefined];
    const value = () => inline ?? rest.shift();
    if (name === '--copies') args.copies = copiesOf(value());
    else if (name === '--detach') args.detach = true;
    else if (name === '--free-ports') args.freePorts = true;
    else if (name === '--data-dir') {
      const dir = value();
      if (!dir) throw new ClusterInputError('--data-dir: expected a directory');
      args.dataDir = dir;
    } else {
      throw new ClusterInputError(
        `unknown argument ${JSON.stringify(flag)}: expected up, status or down, and --copies N, --detach, --data-dir DIR, --free-ports`,
      );
    }
  }
  args.dataDir = resolve(args.dataDir);
  return args;
}

function welcome(state: ClusterState, password: string): string {
  const { plan } = state;
  const b = plan.balancer;
  return [
    '',
    `Dhanman cluster is up (${plan.copies} copies of each service), data in ${plan.dataDir}`,
    '',
    `  web console   http://127.0.0.1:${b.console}`,
    ...SERVICE_NAMES.map((s) => {
      const copies = state.copies.filter((c) => c.service === s).map((c) => c.port);
      return `  ${s.padEnd(13)} http://127.0.0.1:${b.ports[s]}   (copies on ${copies.join(', ')})`;
    }),
    `  RabbitMQ      ${plan.rabbitmq.map((n) => `${n.node} amqp ${n.amqpPort} metrics ${n.prometheusPort}`).join('\n                ')}`,
    `  PostgreSQL    127.0.0.1:${plan.postgres.port}`,
    `  balancer      metrics http://127.0.0.1:${b.metrics}/metrics, stats http://127.0.0.1:${b.metrics}/stats`,
    `  logs          ${plan.logs}`,
    '',
    `Demo logins (password ${password}, kept in ${plan.dataDir}/secrets.json):`,
    ...DEMO_USERS.map((u) => `  ${u.email.padEnd(32)} ${u.roles.join(', ')}`),
    '',
    'Status: npm run cluster -- status    Stop: Ctrl-C (or npm run cluster -- down when detached)',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.command === 'status') {
    const state = readState(args.dataDir);
    const status = state
      ? await clusterStatus(state)
      : { ready: false, rabbitmq: [], postgres: null, balancer: null, services: [], console: null };
    process.stdout.write(`${JSON.stringify(status)}\n`);
    return;
  }
  if (args.command === 'down') {
    const stopped = await downCluster(args.dataDir);
    say(stopped ? 'stopped' : `no cluster in ${args.dataDir}`);
    return;
  }
  // Installed before anything starts: a Ctrl-C while starting stops what has started so far.
  let stopping: Promise<void> | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    say(`${signal}: stopping the cluster`);
    const state = readState(args.dataDir);
    stopping = (state ? stopCluster(state) : Promise.resolve()).then(
      () => {
        say('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        say((err as Error).message);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
  const state = await upCluster({
    dataDir: args.dataDir,
    copies: args.copies,
    freePorts: args.freePorts,
    env: process.env,
    say,
  });
  if (stopping) return;
  const password = loadOrCreateSecrets(args.dataDir).env.DHANMAN_DEMO_PASSWORD ?? '';
  process.stdout.write(welcome(state, password));
  if (args.detach) {
    delete state.launcherPid;
    writeState(state);
    process.exit(0);
  }
  // In the foreground until a signal: the copies are detached and unreferenced, so without this
  // the launcher would end here. It says when a process of the cluster goes away.
  const reported = new Set<number>();
  setInterval(() => {
    for (const c of state.copies) {
      if (reported.has(c.pid) || isAlive(c.pid)) continue;
      reported.add(c.pid);
      say(
        `${c.service} copy ${c.copy} (pid ${c.pid}) exited; its log: ${state.plan.logs}/${c.service}-${c.copy}.log`,
      );
    }
  }, 5_000);
}

try {
  await main();
} catch (err) {
  if (err instanceof ClusterInputError) {
    process.stderr.write(`npm run cluster: ${err.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`npm run cluster: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}
