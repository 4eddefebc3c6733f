import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '#platform/data/db.js';
import { jobSchemaName, startJobs, type RunningJobs } from '#platform/jobs/pgboss.js';
import { postgresBackend } from '../data/backends.js';
import { waitFor } from '../../support/wait.js';

// One monthly run per organization is one long job: a worker that took its jobs in batches left
// the other organizations' runs waiting behind the slowest of the batch.
const backend = postgresBackend();
let db: Db;
let jobs: RunningJobs;
const finished: string[] = [];
const single = { running: 0, most: 0, done: 0 };
/** The 'one-at-a-time' jobs running now, each held until the test lets it finish. */
const held: Array<() => void> = [];
let releaseLong!: () => void;
const longHeld = new Promise<void>((resolve) => (releaseLong = resolve));

beforeAll(async () => {
  db = await backend.open();
  jobs = await startJobs({
    db,
    service: db.service,
    pollIntervalSeconds: 0.5,
    concurrency: 2,
    definitions: [
      {
        name: 'organization-run',
        retryDelaysSeconds: [],
        async handle(data) {
          const { org } = data as { org: string };
          if (org === 'long') await longHeld;
          finished.push(org);
        },
      },
      {
        // Its own limit below the service's: one at a time however many are queued.
        name: 'one-at-a-time',
        retryDelaysSeconds: [],
        concurrency: 1,
        async handle() {
          single.most = Math.max(single.most, ++single.running);
          await new Promise<void>((resolve) => held.push(resolve));
          single.running -= 1;
          single.done += 1;
        },
      },
    ],
  });
});
afterAll(async () => {
  releaseLong();
  for (const release of held.splice(0)) release();
  await jobs.stop();
  await backend.close();
});

it('a long job holds one slot only: the jobs queued after it run in the other as each slot frees', async () => {
  const longId = await jobs.enqueue('organization-run', { org: 'long' });
  const stateOf = async (id: string | null) =>
    (
      await db.query<{ state: string }>(`SELECT state FROM ${jobSchemaName(db.service)}.job WHERE id = $1`, [
        id,
      ])
    ).rows[0]?.state;
  await waitFor('the long job to start', async () => (await stateOf(longId)) === 'active', 10_000);

  for (const org of ['a', 'b', 'c', 'd']) await jobs.enqueue('organization-run', { org });
  await waitFor('the four short jobs beside the long one', () => finished.length === 4, 10_000);
  expect(finished.sort()).toEqual(['a', 'b', 'c', 'd']);
  expect(await stateOf(longId)).toBe('active');

  releaseLong();
  await waitFor('the long job to complete', async () => (await stateOf(longId)) === 'completed', 10_000);
  expect(finished).toContain('long');
});

it('a job with its own concurrency runs no more of itself at once than that, below the service', async () => {
  await jobs.enqueueMany('one-at-a-time', [{ data: {} }, { data: {} }, { data: {} }]);
  // Jobs fetched together start together: a second one beside the first shows before it is let go.
  for (let i = 0; i < 3; i++) {
    await waitFor('a job running', () => held.length > 0, 10_000);
    held.shift()!();
  }
  await waitFor('the three jobs to finish', () => single.done === 3, 10_000);
  expect(single.most).toBe(1);
});
