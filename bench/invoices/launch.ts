import {
  freeServicePorts,
  launch,
  terminate,
  waitReady,
  type Launched as Process,
  type LaunchOptions,
} from '../../test/support/processes.js';

/** Extra Node flags for the service processes, e.g. `BENCH_NODE_ARGS=--cpu-prof` to profile them. */
const options: LaunchOptions = {
  nodeArgs: (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
  stdio: 'stderr',
};

export type FlowService = 'common' | 'sales' | 'notification';
const FLOW_SERVICES: FlowService[] = ['common', 'sales', 'notification'];

export interface Launched {
  urls: Record<FlowService, string>;
  stop(): Promise<void>;
}

const stopAll = async (processes: Process[]): Promise<void> => {
  await Promise.all(processes.map((p) => terminate(p)));
};

const flowUrls = (urls: Record<string, string>) =>
  Object.fromEntries(FLOW_SERVICES.map((name) => [name, urls[name]!])) as Record<FlowService, string>;

/** Common, Sales and Notification each in its own process, on PostgreSQL and RabbitMQ (how they deploy). */
export async function launchDistributed(
  baseEnv: Record<string, string | undefined>,
  nodeArgs: string[] = [],
): Promise<Launched> {
  const { env: ports, urls: all } = await freeServicePorts();
  const urls = flowUrls(all);
  const env = { ...baseEnv };
  // Only the three that run: the others keep their default ports and URLs.
  for (const name of FLOW_SERVICES) {
    const NAME = name.toUpperCase();
    env[`${NAME}_PORT`] = ports[`${NAME}_PORT`];
    env[`${NAME}_URL`] = urls[name];
  }
  const processes: Process[] = [];
  try {
    // Common first: it makes the signing key and the demo organization the others rely on.
    for (const name of FLOW_SERVICES) {
      const proc = launch(
        'bin/service.ts',
        [name, '--demo'],
        { ...env, PORT: env[`${name.toUpperCase()}_PORT`] },
        { ...options, nodeArgs: [...options.nodeArgs!, ...nodeArgs] },
      );
      processes.push(proc);
      await waitReady(urls[name], proc, 180_000);
    }
  } catch (err) {
    await stopAll(processes);
    throw err;
  }
  return { urls, stop: () => stopAll(processes) };
}

/** `npm start`'s process: every service embedded (PGlite + in-process bus), as a user runs it. */
export async function launchEmbedded(baseEnv: Record<string, string | undefined>): Promise<Launched> {
  const { env: ports, urls: all } = await freeServicePorts();
  const env = { ...baseEnv, ...ports };
  delete env.DATABASE_URL;
  delete env.AMQP_URL;
  const urls = flowUrls(all);
  const proc = launch('bin/start.ts', [], env, options);
  try {
    for (const url of Object.values(urls)) await waitReady(url, proc, 240_000);
  } catch (err) {
    await stopAll([proc]);
    throw err;
  }
  return { urls, stop: () => stopAll([proc]) };
}
