import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import pg from 'pg';
import { DEMO_RESIDENTS } from '#contracts/demo.js';
import { uniqueName } from '../../harness/unique-name.js';
import { PRODUCTION_SECRETS } from '../../support/secrets.js';
import { isolatedAmqpUrl } from '../../support/broker.js';
import { freePort } from '../../harness/ports.js';
import { launch, terminate, waitReady, type Launched } from '../../support/processes.js';

/**
 * Scaling out: two processes of one service against the same PostgreSQL and RabbitMQ. Both come
 * up (migrations run once, the database is created once), both serve, and both stop cleanly.
 */
describe('one service started twice against the same PostgreSQL and RabbitMQ', () => {
  const running: Launched[] = [];
  afterAll(async () => {
    await Promise.all(running.map((p) => terminate(p, 'SIGKILL')));
  });

  it('runs both copies without conflict', async () => {
    const prefix = uniqueName('two');
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: inject('databaseUrl'),
      AMQP_URL: await isolatedAmqpUrl(),
      ...PRODUCTION_SECRETS,
      DATABASE_PREFIX: prefix,
      LOG_LEVEL: 'warn',
    };
    const ports = [await freePort(), await freePort()];
    const copies = ports.map((port) =>
      launch('bin/service.ts', ['community', '--demo'], { ...env, PORT: String(port) }),
    );
    running.push(...copies);
    await Promise.all(copies.map((c, i) => waitReady(`http://127.0.0.1:${ports[i]}`, c)));

    for (const port of ports) {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(await res.json()).toMatchObject({ status: 'ready', checks: { database: true, broker: true } });
    }

    const client = new pg.Client({
      connectionString: inject('databaseUrl').replace(/\/[^/]*$/, `/${prefix}_community`),
    });
    await client.connect();
    try {
      const applied = await client.query<{ source: string; version: number; n: string }>(
        'SELECT source, version, count(*) AS n FROM schema_migrations GROUP BY source, version',
      );
      expect(applied.rows.length).toBeGreaterThan(0);
      expect(applied.rows.every((r) => r.n === '1')).toBe(true);
      // The demo seed ran in both copies and still left one set of residents.
      const residents = await client.query<{ n: string }>('SELECT count(*) AS n FROM resident');
      expect(Number(residents.rows[0]!.n)).toBe(DEMO_RESIDENTS.length);
    } finally {
      await client.end();
    }

    const codes = await Promise.all(copies.map((c) => terminate(c, 'SIGTERM')));
    expect(codes).toEqual([0, 0]);
  }, 240_000);
});
