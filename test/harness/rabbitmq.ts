import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureInstalled } from './install.js';
import { freePorts } from './ports.js';
import { onProcessExit, startWatchdog } from './process-cleanup.js';
import { linkPlugins } from './rabbitmq-plugins.js';
import {
  bootRabbit,
  killRabbit,
  killRabbitSync,
  rabbitmqctl,
  rabbitPid,
  WRAPPER_PID,
  type RabbitNodeSpec,
} from './rabbitmq-node.js';

export type { RabbitNodeSpec } from './rabbitmq-node.js';

/** The broker's own Prometheus exporter: on wherever the project starts RabbitMQ (about 1 s of boot). */
export const PROMETHEUS_PLUGIN = 'rabbitmq_prometheus';

export interface RabbitOptions {
  /** Plugins to enable, e.g. `['rabbitmq_management']` (each adds boot time). Default the Prometheus exporter. */
  plugins?: string[];
  /** Extra `rabbitmq.conf` lines. */
  config?: string;
  /** How long to wait for AMQP at boot. Default 90 s (slow CI machines). */
  bootTimeoutMs?: number;
}

export interface RabbitServer extends RabbitNodeSpec {
  /** The Erlang VM's pid while the node runs. */
  readonly pid: number | undefined;
  /** SIGKILL: instant, like a crash; durable queues and persistent messages stay on disk. */
  kill(): Promise<void>;
  /** Boots the node again on the same directory and ports (killing it first if it still runs). */
  restart(): Promise<void>;
  /** Kills the node; from `startRabbit` it also removes the node's directory. */
  stop(): Promise<void>;
  /** `rabbitmqctl -n NODE ...args`, e.g. `ctl('list_queues', 'name', 'messages')`. */
  ctl(...args: string[]): Promise<string>;
}

/** A handle on a node described by `spec`, possibly started by another process (see rabbit-control.ts). */
export function attachRabbit(
  spec: RabbitNodeSpec,
  bootTimeoutMs = 90_000,
  stop: () => Promise<void> = () => killRabbit(spec),
): RabbitServer {
  return {
    ...spec,
    stop,
    get pid() {
      return rabbitPid(spec);
    },
    kill: () => killRabbit(spec),
    restart: async () => {
      await killRabbit(spec);
      await bootRabbit(spec, bootTimeoutMs);
    },
    ctl: (...args) => rabbitmqctl(spec, ...args),
  };
}

/** Starts a throwaway RabbitMQ node with its own name, ports and directories (about 6-9 s). */
export async function startRabbit(opts: RabbitOptions = {}): Promise<RabbitServer> {
  await ensureInstalled();
  const [port, distPort, metricsPort] = (await freePorts(3)) as [number, number, number];
  const plugins = opts.plugins ?? [PROMETHEUS_PLUGIN];
  const dir = mkdtempSync(join(tmpdir(), 'dhanman-rabbit-'));
  const nodeName = `dhanman-test-${randomBytes(4).toString('hex')}@localhost`;
  const spec: RabbitNodeSpec = {
    dir,
    nodeName,
    port,
    distPort,
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    pidFile: join(dir, 'rabbitmq.pid'),
    ...(plugins.includes(PROMETHEUS_PLUGIN) ? { prometheusPort: metricsPort } : {}),
  };

  let stopped = false;
  const cleanupSync = (): void => {
    killRabbitSync(spec);
    rmSync(dir, { recursive: true, force: true });
  };
  const unregister = onProcessExit(cleanupSync);
  const stopWatchdog = startWatchdog(
    process.pid,
    `kill -KILL $(cat '${spec.pidFile}') 2>/dev/null; kill -KILL -$(cat '${join(dir, WRAPPER_PID)}') 2>/dev/null; ` +
      `sleep 1; rm -rf '${dir}'`,
  );
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    unregister();
    stopWatchdog();
    await killRabbit(spec).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    for (const sub of ['home', 'log', 'mnesia', 'plugins-expand']) mkdirSync(join(dir, sub));
    writeFileSync(join(dir, 'plugins-dir'), linkPlugins(join(dir, 'plugins'), plugins));
    writeFileSync(join(dir, 'enabled_plugins'), `[${plugins.join(',')}].\n`);
    // Empty on purpose: the system-wide /etc/rabbitmq/rabbitmq-env.conf must not leak in.
    writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
    // No config file unless asked: parsing one through the schema costs boot time.
    if (opts.config !== undefined) writeFileSync(join(dir, 'rabbitmq.conf'), `${opts.config}\n`);
    await bootRabbit(spec, opts.bootTimeoutMs);
  } catch (err) {
    await stop();
    throw err;
  }
  return attachRabbit(spec, opts.bootTimeoutMs, stop);
}
