import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { RABBITMQ_SERVER } from './install.js';
import { freePort } from './ports.js';
import { isAlive, sleep, waitForExit } from './process-cleanup.js';

/**
 * Everything needed to find, kill and boot one throwaway RabbitMQ node again, from any process:
 * all its state lives under `dir`, so a test worker can restart the node the global setup started.
 */
export interface RabbitNodeSpec {
  readonly dir: string;
  /** e.g. `dhanman-test-1a2b3c@localhost` */
  readonly nodeName: string;
  /** AMQP port. */
  readonly port: number;
  /** Erlang distribution port (used by rabbitmqctl). */
  readonly distPort: number;
  readonly url: string;
  /** Holds the pid of the Erlang VM (written by the broker while it boots). */
  readonly pidFile: string;
  /** Where the rabbitmq_prometheus plugin serves `/metrics` (when the node runs it). */
  readonly prometheusPort?: number;
}

/** The file holding the pid of the shell wrapper around the node (its process group is killed too). */
export const WRAPPER_PID = 'wrapper.pid';

export function rabbitEnv(spec: RabbitNodeSpec): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('RABBITMQ_') && !key.startsWith('ERL_')),
  );
  const { dir } = spec;
  return {
    ...inherited,
    // The Erlang cookie lives in HOME; rabbitmqctl must see the same one.
    HOME: join(dir, 'home'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_NODENAME: spec.nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(spec.port),
    RABBITMQ_DIST_PORT: String(spec.distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PLUGINS_DIR: readFileSync(join(dir, 'plugins-dir'), 'utf8').trim(),
    RABBITMQ_PLUGINS_EXPAND_DIR: join(dir, 'plugins-expand'),
    RABBITMQ_PID_FILE: spec.pidFile,
    // The plugin's port as application environment: no config file to parse at boot.
    ...(spec.prometheusPort === undefined
      ? {}
      : {
          RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: `-rabbitmq_prometheus tcp_config [{port,${spec.prometheusPort}}]`,
        }),
  };
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of the node's Erlang VM while it runs. */
export function rabbitPid(spec: RabbitNodeSpec): number | undefined {
  const pid = readPid(spec.pidFile);
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

/** SIGKILLs the VM and its start script (their own process group); synchronous, for exit handlers. */
export function killRabbitSync(spec: RabbitNodeSpec): number[] {
  const killed: number[] = [];
  const vm = readPid(spec.pidFile);
  const wrapper = readPid(join(spec.dir, WRAPPER_PID));
  for (const target of [vm, wrapper === undefined ? undefined : -wrapper]) {
    if (target === undefined) continue;
    try {
      process.kill(target, 'SIGKILL');
      killed.push(Math.abs(target));
    } catch {
      // Not running.
    }
  }
  return killed;
}

/** SIGKILLs the node and waits until the VM is gone (ports and the mnesia lock are free again). */
export async function killRabbit(spec: RabbitNodeSpec): Promise<void> {
  const killed = killRabbitSync(spec);
  for (const pid of killed) {
    if (!(await waitForExit(pid, 15_000))) throw new Error(`RabbitMQ process ${pid} survived SIGKILL`);
  }
}

/** Resolves once the node completes an AMQP handshake. */
async function waitForAmqp(url: string, timeoutMs: number, failed?: () => Error | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const problem = failed?.();
    if (problem) throw problem;
    try {
      const connection = await amqp.connect(url, { timeout: 2000 });
      await connection.close();
      return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `RabbitMQ at ${url} did not accept AMQP connections within ${timeoutMs} ms: ${String(last)}`,
      );
    }
    await sleep(100);
  }
}

function logTail(spec: RabbitNodeSpec): string {
  const file = join(spec.dir, 'log', 'console.log');
  return existsSync(file) ? readFileSync(file, 'utf8').slice(-3000) : '';
}

/** Boots the node (fresh, or again on its existing mnesia directory) and waits until AMQP answers. */
export async function bootRabbit(spec: RabbitNodeSpec, timeoutMs = 90_000): Promise<void> {
  if (rabbitPid(spec) !== undefined) throw new Error(`RabbitMQ node ${spec.nodeName} is already running`);
  const out = openSync(join(spec.dir, 'log', 'console.log'), 'a');
  // Detached: its own process group, so one kill reaches the script, the VM and its helpers.
  const child = spawn(RABBITMQ_SERVER, [], {
    env: rabbitEnv(spec),
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  child.unref();
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });
  child.on('error', (err) => {
    exited = err.message;
  });
  if (child.pid !== undefined) writeFileSync(join(spec.dir, WRAPPER_PID), String(child.pid));
  try {
    await waitForAmqp(spec.url, timeoutMs, () => (exited === undefined ? undefined : new Error(exited)));
  } catch (err) {
    killRabbitSync(spec);
    throw new Error(
      `RabbitMQ node ${spec.nodeName} did not start: ${(err as Error).message}\n${logTail(spec)}`,
    );
  }
}

const execFileAsync = promisify(execFile);

/** Runs `rabbitmqctl -n NODE ...args` against the node and returns its output. */
export async function rabbitmqctl(spec: RabbitNodeSpec, ...args: string[]): Promise<string> {
  // The CLI is a distributed Erlang node too; pin its port range to a free port of our choosing.
  const ctlPort = String(await freePort());
  const env = {
    ...rabbitEnv(spec),
    RABBITMQ_CTL_DIST_PORT_MIN: ctlPort,
    RABBITMQ_CTL_DIST_PORT_MAX: ctlPort,
  };
  const bin = join(RABBITMQ_SERVER, '..', 'rabbitmqctl');
  const { stdout } = await execFileAsync(bin, ['-n', spec.nodeName, ...args], { env, timeout: 60_000 });
  return stdout;
}
