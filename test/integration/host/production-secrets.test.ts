import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedClientSecret, LEGACY_SHARED_SECRET } from '#platform/host/service-credentials.js';
import { DEFAULT_DEMO_PASSWORD } from '#contracts/demo.js';
import { launch, terminate, type Launched } from '../../support/processes.js';
import { PRODUCTION_SECRETS } from '../../support/secrets.js';
import { waitFor } from '../../support/wait.js';

interface Case {
  name: string;
  script: 'bin/service.ts' | 'bin/start.ts';
  args: string[];
  /** The one variable made default (undefined: unset). */
  variable: string;
  value: string | undefined;
}

const CASES: Case[] = [
  {
    name: 'a service without its client secret',
    script: 'bin/service.ts',
    args: ['sales'],
    variable: 'SALES_CLIENT_SECRET',
    value: undefined,
  },
  {
    name: 'a service with the built-in client secret',
    script: 'bin/service.ts',
    args: ['sales'],
    variable: 'SALES_CLIENT_SECRET',
    value: embeddedClientSecret('sales'),
  },
  {
    name: 'a service with the old shared secret',
    script: 'bin/service.ts',
    args: ['purchase'],
    variable: 'PURCHASE_CLIENT_SECRET',
    value: LEGACY_SHARED_SECRET,
  },
  {
    name: 'Common with another service’s built-in secret',
    script: 'bin/service.ts',
    args: ['common'],
    variable: 'NOTIFICATION_CLIENT_SECRET',
    value: embeddedClientSecret('notification'),
  },
  {
    name: 'the gateway with the built-in merchant key',
    script: 'bin/service.ts',
    args: ['gateway'],
    variable: 'GATEWAY_API_KEY',
    value: 'dhanman-embedded-gateway-key',
  },
  {
    name: 'Common with unsealed signing keys',
    script: 'bin/service.ts',
    args: ['common'],
    variable: 'AUTH_KEY_ENCRYPTION_KEY',
    value: undefined,
  },
  {
    name: 'a demo seed with the public password',
    script: 'bin/service.ts',
    args: ['community', '--demo'],
    variable: 'DHANMAN_DEMO_PASSWORD',
    value: DEFAULT_DEMO_PASSWORD,
  },
  {
    name: 'npm start (it seeds the demo) without a demo password',
    script: 'bin/start.ts',
    args: [],
    variable: 'DHANMAN_DEMO_PASSWORD',
    value: undefined,
  },
];

/**
 * Production mode (PostgreSQL + RabbitMQ) refuses every default or public secret before it
 * connects to anything: DATABASE_URL and AMQP_URL point at a listener of the test's own, which
 * must see no connection from a refused process (and does see one from a process it accepts).
 */
describe('production mode refuses default secrets', { timeout: 120_000 }, () => {
  let listener: Server;
  const connections: Socket[] = [];
  const running: Launched[] = [];
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    listener = createServer((socket) => connections.push(socket));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as AddressInfo;
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: `postgres://dhanman@127.0.0.1:${port}/dhanman`,
      AMQP_URL: `amqp://127.0.0.1:${port}`,
      LOG_LEVEL: 'silent',
      ...PRODUCTION_SECRETS,
    };
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => terminate(p, 'SIGKILL')));
    for (const socket of connections) socket.destroy();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  });

  it('exits 78 naming the variable, as soon as a typo would, with no connection made; a process with real secrets connects', async () => {
    // A process that refuses a mistyped service name, started first: the yardstick for "at once".
    const t0 = performance.now();
    const typo = launch('bin/service.ts', ['billing'], env);
    running.push(typo);
    const baseline = typo.exited.then(() => performance.now() - t0);
    const refused = CASES.map((c) => {
      const caseEnv = { ...env, [c.variable]: c.value };
      const started = performance.now();
      const proc = launch(c.script, c.args, caseEnv);
      running.push(proc);
      return proc.exited.then((code) => ({ c, code, ms: performance.now() - started, out: proc.output() }));
    });
    const [baselineMs, results] = await Promise.all([baseline, Promise.all(refused)]);
    for (const { c, code, out, ms } of results) {
      expect(code, `${c.name}:\n${out}`).toBe(78);
      expect(out, c.name).toContain(`${c.variable}:`);
      // Only that variable: every other secret is real.
      expect(out.match(/^\s+- [A-Z_]+:/gm), c.name).toHaveLength(1);
      if (c.value) expect(out, c.name).not.toContain(c.value);
      expect(out, c.name).not.toMatch(/\n\s+at /);
      // Node and the TypeScript loader take ~1 s quiet and many under load, in every process
      // alike; what the check adds must stay within a second of the typo's refusal (or a quarter
      // of it when the machine is so loaded that the processes' own spread is larger).
      const allowed = 1_000 + Math.max(0, baselineMs - 4_000) * 0.25;
      expect(
        ms - baselineMs,
        `${c.name}: ${Math.round(ms)} ms, a typo ${Math.round(baselineMs)} ms`,
      ).toBeLessThan(allowed);
    }
    expect(connections).toHaveLength(0);

    // The control: with every secret real the same process goes on to connect.
    const accepted = launch('bin/service.ts', ['sales'], env);
    running.push(accepted);
    await waitFor('the accepted service to connect', () => connections.length > 0, 60_000);
    expect(accepted.child.exitCode).toBeNull();
  });
});
