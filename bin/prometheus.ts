import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Debian's package (2.42) brings `prometheus` and `promtool`. */
export const PROMETHEUS = '/usr/bin/prometheus';
export const PROMTOOL = '/usr/bin/promtool';
/** The shipped rules, next to the shipped scrape config. */
export const ALERT_RULES = resolve(import.meta.dirname, '../ops/prometheus/alerts.yml');

const POLICY_RC = '/usr/sbin/policy-rc.d';

function run(command: string, args: string[], input?: string): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (input !== undefined) child.stdin?.end(input);
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', fail);
    child.on('close', (code) =>
      code === 0
        ? done(output)
        : fail(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`)),
    );
  });
}

/** Runs promtool; resolves with its output, rejects with it when promtool says no. */
export function promtool(...args: string[]): Promise<string> {
  return run(PROMTOOL, args);
}

/** `promtool check metrics` reads the exposition from its standard input. */
export function checkMetrics(exposition: string): Promise<string> {
  return run(PROMTOOL, ['check', 'metrics'], exposition);
}

/** Installs Debian's `prometheus` package when it is missing (needs root), like the test harness does RabbitMQ. */
export async function ensurePrometheus(log: (line: string) => void = () => undefined): Promise<void> {
  if (existsSync(PROMETHEUS) && existsSync(PROMTOOL)) return;
  if (process.getuid?.() !== 0) {
    throw new Error('Prometheus is not installed: run `apt-get install -y prometheus` (as root) first');
  }
  log('installing Prometheus with apt-get (once per machine)...');
  // The package's scripts would start a system-wide Prometheus we do not use; tell invoke-rc.d not to.
  const blockDaemons = !existsSync(POLICY_RC);
  if (blockDaemons) writeFileSync(POLICY_RC, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    await run('apt-get', ['update']);
    await run('apt-get', ['install', '-y', '--no-install-recommends', 'prometheus']);
  } finally {
    if (blockDaemons) rmSync(POLICY_RC, { force: true });
  }
  if (!existsSync(PROMETHEUS)) throw new Error('apt-get finished but prometheus is still missing');
}

export interface ScrapeTargets {
  /** `host:port` of each Dhanman process serving /metrics. */
  services: string[];
  /** `host:port` of RabbitMQ's Prometheus plugin, when there is a broker (one per node of a cluster). */
  rabbitmq?: string | string[] | undefined;
  /** `host:port` of HAProxy's Prometheus exporter, when the services sit behind it (`npm run cluster`). */
  balancer?: string | undefined;
  /** Seconds between scrapes (default 15). */
  intervalSeconds?: number;
}

/** A scrape config like ops/prometheus/prometheus.yml, for the given targets and the shipped rules. */
export function prometheusConfig(t: ScrapeTargets, rules = ALERT_RULES): string {
  const interval = `${t.intervalSeconds ?? 15}s`;
  const list = (targets: string[]) => targets.map((x) => `          - '${x}'`).join('\n');
  return `global:
  scrape_interval: ${interval}
  evaluation_interval: ${interval}
rule_files:
  - '${rules}'
scrape_configs:
  - job_name: dhanman
    metrics_path: /metrics
    static_configs:
      - targets:
${list(t.services)}
${
  t.rabbitmq
    ? `  - job_name: rabbitmq
    metrics_path: /metrics/per-object
    static_configs:
      - targets:
${list(typeof t.rabbitmq === 'string' ? [t.rabbitmq] : t.rabbitmq)}
`
    : ''
}${
    t.balancer
      ? `  - job_name: haproxy
    metrics_path: /metrics
    static_configs:
      - targets:
${list([t.balancer])}
`
      : ''
  }`;
}

export interface RunningPrometheus {
  url: string;
  process: ChildProcess;
  /** Asks Prometheus an instant PromQL query; the result vector (or matrix/scalar) as the API gives it. */
  query(expr: string): Promise<unknown[]>;
  stop(): Promise<void>;
}

/** Starts Prometheus on `port` with `config`, keeping its data under `dir`; resolves once it is ready. */
export async function startPrometheus(opts: {
  config: string;
  port: number;
  dir: string;
  host?: string;
}): Promise<RunningPrometheus> {
  const host = opts.host ?? '127.0.0.1';
  mkdirSync(join(opts.dir, 'data'), { recursive: true });
  const configFile = join(opts.dir, 'prometheus.yml');
  writeFileSync(configFile, opts.config);
  await promtool('check', 'config', configFile);
  const child = spawn(
    PROMETHEUS,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(opts.dir, 'data')}`,
      `--web.listen-address=${host}:${opts.port}`,
      '--storage.tsdb.retention.time=1d',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (c: Buffer) => {
    log = (log + c.toString()).slice(-4000);
  });
  const url = `http://${host}:${opts.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${log}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`prometheus did not become ready within 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    process: child,
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown } };
      if (body.status !== 'success') throw new Error(`query failed: ${expr}: ${body.error ?? res.status}`);
      const result = body.data?.result;
      return Array.isArray(result) ? result : [result];
    },
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}
