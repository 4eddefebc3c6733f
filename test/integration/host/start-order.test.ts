import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSystem } from '../../../bin/system.js';
import { DEMO_RESIDENTS, DEMO_USERS } from '#contracts/demo.js';
import type { Db } from '#platform/data/db.js';
import { dbOf, startTestSystem, type Mode } from '../../support/system.js';
import { waitFor } from '../../support/wait.js';

const ids = async (db: Db, table: string): Promise<string[]> =>
  (await db.query<{ id: string }>(`SELECT id FROM ${table} ORDER BY id`)).rows.map((r) => r.id);

const dataDirs: string[] = [];
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/*
 * Each service starts when its operator starts it. RabbitMQ (and the in-process transport, which
 * keeps its rules) drops an event that no queue is bound for, so without the shared subscription
 * table the events Common publishes before Notification and Community have ever run would be lost
 * to them. The producer stops before the consumers start, so the events can only wait in a queue.
 */
describe.each<Mode>(['distributed', 'embedded'])('services started one after another (%s)', (mode) => {
  it('a consumer started after its producer still receives what was published before it first ran', async () => {
    // Embedded: both runs open the same data directory, one after the other.
    const dataDir = mkdtempSync(join(tmpdir(), 'start-order-'));
    dataDirs.push(dataDir);
    const producer = await startTestSystem({
      mode,
      only: ['gateway', 'common'],
      seed: true,
      env: { DHANMAN_DATA_DIR: dataDir },
    });
    try {
      const common = dbOf(producer, 'common');
      await waitFor('Common to relay its demo events', async () => {
        const { rows } = await common.query<{ total: number; unsent: number }>(
          `SELECT count(*)::int AS total, count(*) FILTER (WHERE sent_at IS NULL)::int AS unsent FROM outbox`,
        );
        return rows[0]!.total > 0 && rows[0]!.unsent === 0;
      });
    } finally {
      await producer.stop();
    }

    const consumers = await startSystem({
      env: producer.env,
      seed: false,
      freePorts: true,
      only: ['community', 'notification'],
    });
    try {
      const users = DEMO_USERS.map((u) => u.id).sort();
      const customers = DEMO_RESIDENTS.map((r) => r.customerId).sort();
      const notification = dbOf(consumers, 'notification');
      const community = dbOf(consumers, 'community');
      await waitFor('the demo users and customers in the consumers', async () => {
        const [n, c, k] = await Promise.all([
          ids(notification, 'user_replica'),
          ids(community, 'user_replica'),
          ids(notification, 'contact'),
        ]);
        return n.length === users.length && c.length === users.length && k.length === customers.length;
      });
      expect(await ids(notification, 'user_replica')).toEqual(users);
      expect(await ids(community, 'user_replica')).toEqual(users);
      expect(await ids(notification, 'contact')).toEqual(customers);
    } finally {
      await consumers.stop();
    }
  });
});
