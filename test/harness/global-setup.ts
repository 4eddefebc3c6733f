import type { TestProject } from 'vitest/node';
import { ensureInstalled } from './install.js';
import { startPostgres, type PostgresServer } from './postgres.js';
import { startRabbit, type RabbitServer } from './rabbitmq.js';

interface Servers {
  postgres: PostgresServer;
  rabbit: RabbitServer;
}

interface Shared {
  servers: Promise<Servers>;
  users: number;
}

// Several projects (integration, faults) list this file; they share one pair of servers per run.
const KEY = Symbol.for('dhanman.test-harness.servers');
const registry = globalThis as { [KEY]?: Shared };

const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

async function startServers(): Promise<Servers> {
  const started = Date.now();
  await ensureInstalled();
  const timed = <T>(name: string, start: () => Promise<T>): Promise<T> =>
    start().then((server) => {
      process.stderr.write(`[harness] ${name} ready in ${seconds(started)}\n`);
      return server;
    });
  const [postgres, rabbit] = await Promise.allSettled([
    timed('PostgreSQL', () => startPostgres()),
    timed('RabbitMQ', () => startRabbit()),
  ]);
  if (postgres.status === 'fulfilled' && rabbit.status === 'fulfilled') {
    return { postgres: postgres.value, rabbit: rabbit.value };
  }
  await Promise.all([postgres, rabbit].map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
  const reasons = [postgres, rabbit].flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
  throw new Error(`the test servers did not start:\n${reasons.join('\n')}`);
}

/** Vitest globalSetup: one PostgreSQL server and one RabbitMQ node for the whole run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = (registry[KEY] ??= { servers: startServers(), users: 0 });
  shared.users += 1;
  const { postgres, rabbit } = await shared.servers;
  project.provide('databaseUrl', postgres.url);
  project.provide('amqpUrl', rabbit.url);
  project.provide('rabbitNode', {
    dir: rabbit.dir,
    nodeName: rabbit.nodeName,
    port: rabbit.port,
    distPort: rabbit.distPort,
    url: rabbit.url,
    pidFile: rabbit.pidFile,
    ...(rabbit.prometheusPort === undefined ? {} : { prometheusPort: rabbit.prometheusPort }),
  });
  let tornDown = false;
  return async () => {
    if (tornDown) return;
    tornDown = true;
    shared.users -= 1;
    if (shared.users > 0) return;
    delete registry[KEY];
    await Promise.all([postgres.stop(), rabbit.stop()]);
  };
}
