import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_RESIDENTS, DEMO_USERS, DEFAULT_DEMO_PASSWORD } from '#contracts/demo.js';
import { SERVICE_NAMES } from '#contracts/services.js';
import { freeServicePorts, launch, terminate, waitReady, type Launched } from '../../support/processes.js';

/**
 * `npm start` as a newcomer runs it: every service comes up healthy on the embedded default, the
 * demo logins are printed and work, SIGTERM stops it cleanly, and a restart keeps the data.
 */
describe('npm start (embedded)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'dhanman-start-'));
  const running: Launched[] = [];
  afterAll(async () => {
    await Promise.all(running.map((p) => terminate(p, 'SIGKILL')));
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startOnce(env: Record<string, string | undefined>, urls: Record<string, string>) {
    const proc = launch('bin/start.ts', [], env);
    running.push(proc);
    for (const url of Object.values(urls)) await waitReady(url, proc, 120_000);
    return proc;
  }

  async function activeResidents(urls: Record<string, string>): Promise<number> {
    const login = await fetch(`${urls.common}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@demo.dhanman.local', password: DEFAULT_DEMO_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const res = await fetch(`${urls.community}/api/residents/active`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: unknown[] }).items.length;
  }

  it('brings every service to ready, prints the logins, stops on SIGTERM and keeps its data', async () => {
    const { env: ports, urls } = await freeServicePorts();
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DHANMAN_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ...ports,
    };

    const first = await startOnce(env, urls);
    for (const name of SERVICE_NAMES) {
      const ready = await fetch(`${urls[name]}/health/ready`);
      expect(ready.status, name).toBe(200);
    }
    await expect.poll(() => first.output(), { timeout: 10_000 }).toContain('Demo logins');
    for (const user of DEMO_USERS) expect(first.output()).toContain(user.email);
    for (const name of SERVICE_NAMES) expect(first.output()).toContain(urls[name]);
    expect(await activeResidents(urls)).toBe(DEMO_RESIDENTS.length);
    expect(await terminate(first, 'SIGTERM')).toBe(0);

    // Restarted as a person at a terminal sees it: one readable line per event, with the service
    // and the correlation id, no JSON.
    const second = await startOnce({ ...env, LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' }, urls);
    expect(await activeResidents(urls)).toBe(DEMO_RESIDENTS.length);
    const traced = await fetch(`${urls.community}/health/live`, {
      headers: { 'x-correlation-id': 'pretty-check-1' },
    });
    expect(traced.status).toBe(200);
    await expect
      .poll(() => second.output(), { timeout: 10_000 })
      .toMatch(
        /^\d\d:\d\d:\d\d\.\d{3} INFO {2}community \[pretty-check-1\] request completed method=GET route=\/health\/live .*status=200/m,
      );
    expect(second.output()).toMatch(/^\S+ INFO {2}sales service ready url=http/m);
    expect(second.output()).not.toMatch(/^\{"level"/m);
    expect(await terminate(second, 'SIGTERM')).toBe(0);
  }, 300_000);
});
