import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../harness/ports.js';
import { descendantsOf, isAlive } from '../../harness/process-cleanup.js';
import { PRODUCTION_SECRETS } from '../../support/secrets.js';
import { isolatedAmqpUrl } from '../../support/broker.js';
import { launchNpmScript, terminate, waitReady, type Launched } from '../../support/processes.js';
import { waitFor } from '../../support/wait.js';

/*
 * npm 9.8+ hands SIGTERM to the `sh` it runs the script with; `sh` dies of it and node would run on
 * as an orphan, still holding its port (npm/cli#6684). An operator's `kill <npm pid>` must stop
 * the service all the same.
 */
describe('a service started with npm run', () => {
  let npm: Launched | undefined;
  let below: number[] = [];
  afterAll(async () => {
    for (const pid of below) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    if (npm) await terminate(npm, 'SIGKILL');
  });

  it('stops cleanly when npm is sent SIGTERM, although npm does not pass the signal on', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    npm = launchNpmScript('service', ['gateway'], {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: inject('databaseUrl'),
      AMQP_URL: await isolatedAmqpUrl(),
      ...PRODUCTION_SECRETS,
      PORT: String(port),
      LOG_LEVEL: 'info',
    });
    await waitReady(url, npm, 60_000);
    below = descendantsOf(npm.child.pid!);
    expect(below.length).toBeGreaterThan(0);

    npm.child.kill('SIGTERM');
    await npm.exited;
    await waitFor('every process npm started to exit', () => below.every((pid) => !isAlive(pid)), 15_000);
    // With dash as `sh` (Debian) the service sees its parent go; a shell that execs node would
    // let the SIGTERM through instead. Either way it must stop cleanly, not die or linger.
    expect(npm.output()).toMatch(/"parentExited"|"signal":"SIGTERM"/);
    expect(npm.output()).toContain('"msg":"stopped"');
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
  });
});
