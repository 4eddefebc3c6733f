import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { SERVICE_NAMES } from '../../contracts/services.js';
import { freePort } from '../../test/harness/ports.js';

const root = path.resolve(import.meta.dirname, '..', '..');
/** Extra Node flags for the service processes, e.g. `BENCH_NODE_ARGS=--cpu-prof` to profile them. */
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

export type FlowService = 'common' | 'sales' | 'notification';

export interface Launched {
  urls: Record<FlowService, string>;
  processes: ChildProcess[];
  stop(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`process for ${url} exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} not ready in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }),
  );
}

const start = (script: string, args: string[], env: Record<string, string | undefined>) =>
  spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(root, 'bin', script), ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });

/** Common, Sales and Notification each in its own process, on PostgreSQL and RabbitMQ (how they deploy). */
export async function launchDistributed(baseEnv: Record<string, string | undefined>): Promise<Launched> {
  const env = { ...baseEnv };
  const names: FlowService[] = ['common', 'sales', 'notification'];
  const urls = {} as Record<FlowService, string>;
  for (const name of names) {
    const port = await freePort();
    env[`${name.toUpperCase()}_PORT`] = String(port);
    urls[name] = `http://127.0.0.1:${port}`;
    env[`${name.toUpperCase()}_URL`] = urls[name];
  }
  const processes: ChildProcess[] = [];
  try {
    // Common first: it makes the signing key and the demo organization the others rely on.
    for (const name of names) {
      const child = start('service.ts', [name, '--demo'], {
        ...env,
        PORT: env[`${name.toUpperCase()}_PORT`],
      });
      processes.push(child);
      await waitReady(urls[name], child, 180_000);
    }
  } catch (err) {
    await stopAll(processes);
    throw err;
  }
  return { urls, processes, stop: () => stopAll(processes) };
}

/** `npm start`'s process: every service embedded (PGlite + in-process bus), as a user runs it. */
export async function launchEmbedded(baseEnv: Record<string, string | undefined>): Promise<Launched> {
  const env = { ...baseEnv };
  delete env.DATABASE_URL;
  delete env.AMQP_URL;
  const urls = {} as Record<FlowService, string>;
  for (const name of SERVICE_NAMES) {
    const port = await freePort();
    env[`${name.toUpperCase()}_PORT`] = String(port);
    if (name === 'common' || name === 'sales' || name === 'notification')
      urls[name] = `http://127.0.0.1:${port}`;
  }
  const child = start('start.ts', [], env);
  try {
    for (const url of Object.values(urls)) await waitReady(url, child, 240_000);
  } catch (err) {
    await stopAll([child]);
    throw err;
  }
  return { urls, processes: [child], stop: () => stopAll([child]) };
}
