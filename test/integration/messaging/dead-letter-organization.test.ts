import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { runMigrations } from '#platform/data/migrate.js';
import { archiveDeadLetter } from '#platform/messaging/dead-letter-archive.js';
import { messagingMigrations } from '#platform/messaging/migrations.js';
import { pgliteBackend, postgresBackend } from '../data/backends.js';

const ORG = '7C1E2D3F-0000-4000-8000-0000000000AB';

/**
 * Every dead letter keeps its envelope's organization: archived from now on, and filled in by the
 * upgrade for those archived before (a body that is no JSON envelope keeps none).
 */
describe.each([postgresBackend(), pgliteBackend()])(
  'dead letters keep their organization on $name',
  (backend) => {
    afterAll(() => backend.close());

    it('fills in the letters archived before, and archives new ones with it', async () => {
      const db = await backend.open();
      const v1 = {
        ...messagingMigrations,
        migrations: messagingMigrations.migrations.filter((m) => m.version === 1),
      };
      await runMigrations(db, [v1]);
      const insert = (body: string) =>
        db.query(
          `INSERT INTO dead_letter (message_id, original_queue, category, reason, attempts, body, dead_lettered_at)
         VALUES ($1, 'sales.events', 'handler-failed', 'old', 4, $2, now())`,
          [randomUUID(), body],
        );
      await insert(JSON.stringify({ type: 'x.y', organizationId: ORG }));
      await insert('not json {');
      await insert(JSON.stringify({ type: 'x.y' }));
      await runMigrations(db, [messagingMigrations]);

      await archiveDeadLetter(db, JSON.stringify({ messageId: randomUUID(), organizationId: ORG }), {});
      await archiveDeadLetter(db, Buffer.from('garbage'), {});
      const { rows } = await db.query<{ organization_id: string | null }>(
        'SELECT organization_id FROM dead_letter ORDER BY id',
      );
      const lower = ORG.toLowerCase();
      expect(rows.map((r) => r.organization_id)).toEqual([lower, null, null, lower, null]);
    });
  },
);
