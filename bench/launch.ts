import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ServiceName } from '#contracts/services.js';
import {
  freeServicePorts,
  launch,
  terminate,
  waitReady,
  type Launched as Process,
  type LaunchOptions,
} from '../test/support/processes.js';

/**
 * Extra Node flags for the service processes, e.g. `BENCH_NODE_ARGS=--cpu-prof` to profile them;
 * `BENCH_LOG_DIR=<dir>` keeps what each printed (its log) in `<dir>/<service>.log` at the end.
 */
const logDir = process.env.BENCH_LOG_DIR;
const options: LaunchOptions = {
  nodeArgs: (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
  stdio: logDir ? 'capture' : 'stderr',
};

/** The invoice flow's services: created in Sales, posted by Common, mailed by Notification. */
export const FLOW_SERVICES = ['common', 'sales', 'notification'] as const;
export type FlowService = (typeof FLOW_SERVICES)[number];

export interface Launched<S extends ServiceName = FlowService> {
  urls: Record<S, string>;
  /** Each process's id (one process for them all when embedded). */
  pids: Record<S, number>;
  stop(): Promise<void>;
}

const stopAll = async (processes: Process[], names: readonly string[]): Promise<void> => {
  await Promise.all(processes.map((p) => terminate(p)));
  if (!logDir) return;
  mkdirSync(logDir, { recursive: true });
  processes.forEach((p, i) => writeFileSync(path.join(logDir, `${names[i]}.log`), p.output()));
};

const pick = <S extends ServiceName, V>(names: readonly S[], of: (name: S) => V) =>
  Object.fromEntries(names.map((name) => [name, of(name)])) as Record<S, V>;

/**
 * The named services each in its own process, on PostgreSQL and RabbitMQ (how they deploy), started
 * in the order given: Common first, it makes the signing key and the demo organization the others
 * rely on.
 */
export async function launchDistributed<S extends ServiceName = FlowService>(
  baseEnv: Record<string, string | undefined>,
  services: readonly S[] = FLOW_SERVICES as unknown as readonly S[],
  /** More Node flags for these processes only (a profiled run, say). */
  nodeArgs: string[] = [],
): Promise<Launched<S>> {
  const { env: ports, urls: all } = await freeServicePorts();
  const urls = pick(services, (name) => all[name]!);
  const env = { ...baseEnv };
  // Only those that run: the others keep their default ports and URLs.
  for (const name of services) {
    const NAME = name.toUpperCase();
    env[`${NAME}_PORT`] = ports[`${NAME}_PORT`];
    env[`${NAME}_URL`] = urls[name];
  }
  const processes: Process[] = [];
  const pids = {} as Record<S, number>;
  try {
    for (const name of services) {
      const proc = launch(
        'bin/service.ts',
        [name, '--demo'],
        { ...env, PORT: env[`${name.toUpperCase()}_PORT`] },
        { ...options, nodeArgs: [...options.nodeArgs!, ...nodeArgs] },
      );
      processes.push(proc);
      pids[name] = proc.child.pid!;
      await waitReady(urls[name], proc, 180_000);
    }
  } catch (err) {
    await stopAll(processes, services);
    throw err;
  }
  return { urls, pids, stop: () => stopAll(processes, services) };
}

/** `npm start`'s process: every service embedded (PGlite + in-process bus), as a user runs it. */
export async function launchEmbedded(baseEnv: Record<string, string | undefined>): Promise<Launched> {
  const { env: ports, urls: all } = await freeServicePorts();
  const env = { ...baseEnv, ...ports };
  delete env.DATABASE_URL;
  delete env.AMQP_URL;
  const urls = pick(FLOW_SERVICES, (name) => all[name]!);
  const proc = launch('bin/start.ts', [], env, options);
  try {
    for (const url of Object.values<string>(urls)) await waitReady(url, proc, 240_000);
  } catch (err) {
    await stopAll([proc], ['embedded']);
    throw err;
  }
  return {
    urls,
    pids: pick(FLOW_SERVICES, () => proc.child.pid!),
    stop: () => stopAll([proc], ['embedded']),
  };
}
