import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NAMES } from '#contracts/services.js';
import { HAPROXY } from './install.js';
import type { ClusterPlan } from './plan.js';

/**
 * HAProxy in front of the copies, as a Kubernetes Service or a cloud balancer would be: one port
 * per service (the usual ones), round robin over the copies that answer `/health/ready` with 200.
 * A copy that refuses a connection is marked down at once (`observe layer4`) and the request goes
 * to another copy (`redispatch`); a request already delivered is never replayed by the balancer:
 * that is the client's call, with its Idempotency-Key.
 */
export function haproxyConfig(p: ClusterPlan): string {
  const lines = [
    'global',
    '  maxconn 8192',
    '  log stdout format raw local0 notice',
    '',
    'defaults',
    '  mode http',
    '  log global',
    '  timeout connect 2s',
    '  timeout client 75s',
    '  timeout server 75s',
    '  timeout check 3s',
    '  option redispatch',
    '  retries 3',
    '  retry-on conn-failure',
    '  default-server inter 2s fastinter 500ms downinter 1s fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down',
    '',
    'frontend metrics',
    `  bind 127.0.0.1:${p.balancer.metrics}`,
    '  http-request use-service prometheus-exporter if { path /metrics }',
    '  stats enable',
    '  stats uri /stats',
    '',
  ];
  for (const service of SERVICE_NAMES) {
    lines.push(
      `frontend ${service}`,
      `  bind 127.0.0.1:${p.balancer.ports[service]}`,
      '  option forwardfor',
      `  default_backend ${service}`,
      '',
      `backend ${service}`,
      '  balance roundrobin',
      '  option httpchk GET /health/ready',
      '  http-check expect status 200',
      ...p.copyPorts
        .filter((c) => c.service === service)
        .map((c) => `  server ${service}-${c.copy} 127.0.0.1:${c.port} check`),
      '',
    );
  }
  lines.push(
    'frontend console',
    `  bind 127.0.0.1:${p.balancer.console}`,
    '  option forwardfor',
    '  default_backend console',
    '',
    'backend console',
    '  option httpchk GET /',
    `  server console-1 127.0.0.1:${p.console.port} check`,
    '',
  );
  return `${lines.join('\n')}\n`;
}

/** Writes the configuration, checks it and starts HAProxy in the foreground of its own process group. */
export function startHaproxy(p: ClusterPlan): number {
  mkdirSync(p.balancer.dir, { recursive: true });
  const file = join(p.balancer.dir, 'haproxy.cfg');
  writeFileSync(file, haproxyConfig(p));
  const check = spawnSync(HAPROXY, ['-c', '-q', '-f', file], { encoding: 'utf8' });
  if (check.status !== 0)
    throw new Error(`HAProxy refused its configuration ${file}:\n${check.stderr || check.stdout}`);
  mkdirSync(p.logs, { recursive: true });
  const out = openSync(join(p.logs, 'haproxy.log'), 'a');
  const child = spawn(HAPROXY, ['-db', '-f', file], { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  if (child.pid === undefined) throw new Error('HAProxy did not start');
  return child.pid;
}
