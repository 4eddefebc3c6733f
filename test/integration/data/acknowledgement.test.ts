import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { recordAcknowledgement, type Acknowledgement } from '#platform/data/acknowledgement.js';
import type { Db } from '#platform/data/db.js';
import { runMigrations } from '#platform/data/migrate.js';
import { activityMigrations } from '#platform/observability/activity-migrations.js';
import { backends } from './backends.js';

async function documents(db: Db): Promise<void> {
  await runMigrations(db, [activityMigrations]);
  await db.exec(`CREATE TABLE doc (id uuid PRIMARY KEY, organization_id uuid NOT NULL,
    journal_id uuid, posted_at timestamptz, updated_at timestamptz)`);
}

const ack = (
  organizationId: string,
  id: string,
  reference: string,
  correlationId: string,
): Acknowledgement => ({
  table: 'doc',
  referenceColumn: 'journal_id',
  stampColumn: 'posted_at',
  touched: 'updated_at',
  organizationId,
  id,
  reference,
  correlationId,
  activity: { action: 'doc.posted', detail: { id } },
  unknown: { action: 'doc.posted-unknown', detail: { id } },
});

describe.each(backends())('acknowledgements on $name', (backend) => {
  afterAll(() => backend.close());

  it('stamps the record once, records each acknowledgement, and only at the commit', async () => {
    const db = await backend.open();
    await documents(db);
    const [org, id, journal] = [randomUUID(), randomUUID(), randomUUID()];
    await db.query('INSERT INTO doc (id, organization_id) VALUES ($1, $2)', [id, org]);
    const seenInside = await db.transaction(async (tx) => {
      recordAcknowledgement(tx, ack(org, id, journal, 'c1'));
      return (await tx.query<{ journal_id: string | null }>('SELECT journal_id FROM doc')).rows[0]
        ?.journal_id;
    });
    expect(seenInside).toBeNull();
    const first = await db.query<{ posted_at: Date }>('SELECT posted_at FROM doc WHERE id = $1', [id]);
    // A second copy of the acknowledgement keeps the first stamp.
    await db.transaction(async (tx) => {
      recordAcknowledgement(tx, ack(org, id, journal, 'c2'));
      return Promise.resolve();
    });
    const doc = await db.query<{ journal_id: string; posted_at: Date }>(
      'SELECT journal_id, posted_at FROM doc',
    );
    expect(doc.rows).toEqual([{ journal_id: journal, posted_at: first.rows[0]!.posted_at }]);
    const activity = await db.query(
      'SELECT correlation_id, organization_id, action FROM activity ORDER BY id',
    );
    expect(activity.rows).toEqual([
      { correlation_id: 'c1', organization_id: org, action: 'doc.posted' },
      { correlation_id: 'c2', organization_id: org, action: 'doc.posted' },
    ]);
  });

  it("records another organization's record, or none, as unknown and changes nothing; a rollback writes nothing", async () => {
    const db = await backend.open();
    await documents(db);
    const [owner, stranger, id] = [randomUUID(), randomUUID(), randomUUID()];
    await db.query('INSERT INTO doc (id, organization_id) VALUES ($1, $2)', [id, owner]);
    await db.transaction(async (tx) => {
      recordAcknowledgement(tx, ack(stranger, id, randomUUID(), 'c1'));
      recordAcknowledgement(tx, ack(owner, randomUUID(), randomUUID(), 'c2'));
      return Promise.resolve();
    });
    await expect(
      db.transaction(async (tx) => {
        recordAcknowledgement(tx, ack(owner, id, randomUUID(), 'c3'));
        return Promise.reject(new Error('the handler failed'));
      }),
    ).rejects.toThrow('the handler failed');
    expect((await db.query('SELECT journal_id, posted_at FROM doc')).rows).toEqual([
      { journal_id: null, posted_at: null },
    ]);
    const activity = await db.query(
      'SELECT correlation_id, organization_id, action FROM activity ORDER BY id',
    );
    expect(activity.rows).toEqual([
      { correlation_id: 'c1', organization_id: stranger, action: 'doc.posted-unknown' },
      { correlation_id: 'c2', organization_id: owner, action: 'doc.posted-unknown' },
    ]);
  });
});
