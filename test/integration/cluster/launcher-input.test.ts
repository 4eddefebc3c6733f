import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { launch } from '../../support/processes.js';

/** Bad input to `npm run cluster` stops it before anything starts, naming the problem (exit 78). */
const base = { PATH: process.env.PATH, HOME: process.env.HOME };
let dirs: string[] = [];
let servers: Server[] = [];
afterEach(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  dirs = [];
  servers = [];
});

const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'dhanman-cluster-input-'));
  dirs.push(d);
  return join(d, 'cluster');
};

describe('npm run cluster with bad input', { timeout: 60_000 }, () => {
  it('--copies 0 is refused, naming the flag', async () => {
    const dir = dataDir();
    const proc = launch('bin/cluster.ts', ['up', '--copies', '0', '--data-dir', dir], base);
    expect(await proc.exited).toBe(78);
    expect(proc.output()).toMatch(/--copies: expected a whole number from 1 to 16 \(got "0"\)/);
    expect(existsSync(dir)).toBe(false);
  });

  it('an unknown argument is refused with what it takes', async () => {
    const proc = launch('bin/cluster.ts', ['up', '--replicas', '3', '--data-dir', dataDir()], base);
    expect(await proc.exited).toBe(78);
    expect(proc.output()).toMatch(/unknown argument "--replicas": expected up, status or down/);
  });

  it('a port in use is named with what it was for, and nothing is started', async () => {
    const taken = createServer();
    servers.push(taken);
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const dir = dataDir();
    const proc = launch('bin/cluster.ts', ['up', '--detach', '--data-dir', dir], {
      ...base,
      SALES_PORT: String(port),
    });
    expect(await proc.exited).toBe(78);
    expect(proc.output()).toContain(`port ${port} (the balancer's sales port) is already in use`);
    expect(existsSync(join(dir, 'state.json'))).toBe(false);
    expect(existsSync(join(dir, 'postgres'))).toBe(false);
  });
});
