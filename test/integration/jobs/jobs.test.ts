import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '#platform/data/db.js';
import { EVERY_ORGANIZATION } from '#platform/http/ops-scope.js';
import type { JobDefinition } from '#platform/jobs/jobs.js';
import { jobSchemaName, startJobs, type RunningJobs, type StartJobsOptions } from '#platform/jobs/pgboss.js';
import { backends } from '../data/backends.js';
import { sleep, waitFor } from '../../support/wait.js';
import { listFailedJobs } from '../../support/failed-jobs.js';
import { jobOperations } from '../../../operations/job-operations.js';

interface Run {
  data: unknown;
  attempt: number;
  at: number;
}

/** Fast settings: polling every 0.5 s, cron checked every second, ladders of one second. */
const FAST = { pollIntervalSeconds: 0.5, cronCheckIntervalSeconds: 1, stopTimeoutMs: 10_000 };
// Queue errors (not job failures, which the tests cause on purpose) show up in the test output.
const log = pino({ level: 'error' });

// The backends run one after the other: PGlite's boot and queries hold the event loop, which would
// stall the PostgreSQL workers of the same process. Within a backend the cases use separate job
// names (or databases), so they run side by side: seconds, not minutes.
describe.each(backends())('jobs on $name', (backend) => {
  const runs = new Map<string, Run[]>();
  const record = (name: string, data: unknown, attempt: number) => {
    const list = runs.get(name) ?? [];
    list.push({ data, attempt, at: Date.now() });
    runs.set(name, list);
  };
  const runsOf = (name: string) => runs.get(name) ?? [];
  /** A job's pg-boss state: 'failed', 'cancelled' and 'completed' are final, never run again. */
  const stateOf = async (id: string | null) =>
    (
      await db.query<{ state: string }>(`SELECT state FROM ${jobSchemaName(db.service)}.job WHERE id = $1`, [
        id,
      ])
    ).rows[0]?.state;
  const job = (name: string, extra: Partial<JobDefinition> = {}, fail?: (attempt: number) => boolean) =>
    ({
      name,
      async handle(data: unknown, { attempt }: { attempt: number }) {
        record(name, data, attempt);
        if (fail?.(attempt)) throw new Error(`${name} broke on attempt ${attempt}`);
      },
      ...extra,
    }) satisfies JobDefinition;

  let db: Db;
  let jobs: RunningJobs;
  const failed = (name?: string) => listFailedJobs(db, jobSchemaName(db.service), name);
  const started: RunningJobs[] = [];
  const start = async (opts: Omit<StartJobsOptions, 'db' | 'service'> & { db?: Db }) => {
    const target = opts.db ?? db;
    const running = await startJobs({ ...FAST, log, ...opts, db: target, service: target.service });
    started.push(running);
    return running;
  };

  beforeAll(async () => {
    db = await backend.open();
    await db.exec('CREATE TABLE invoices (id int PRIMARY KEY)');
    jobs = await start({
      defaultRetryDelaysSeconds: [1],
      definitions: [
        job('plain'),
        job('json-data'),
        job('in-tx'),
        job('delayed'),
        job('always-fails', { retryDelaysSeconds: [1, 2] }, () => true),
        job('fails-once', { retryDelaysSeconds: [1, 1] }, (attempt) => attempt === 1),
        job('no-retry', { retryDelaysSeconds: [] }, () => true),
        job('default-ladder', {}, () => true),
        job('reminder'),
        job('cancelled'),
      ],
    });
  });
  afterAll(async () => {
    for (const running of started) await running.stop();
    await backend.close();
  });

  it.concurrent(
    'an enqueue wakes the service at once, and a delayed job runs when due, with no poll for a minute',
    async () => {
      const slow = await start({ pollIntervalSeconds: 60, definitions: [job('woken'), job('woken-later')] });
      const queuedAt = Date.now();
      await slow.enqueue('woken', { n: 1 });
      // Inside a transaction: taken once it commits.
      await db.transaction((tx) => slow.enqueueMany('woken', [{ data: { n: 2 } }], { tx }));
      await slow.enqueue('woken-later', { n: 3 }, { startAfter: new Date(queuedAt + 1_500) });
      await waitFor('2 runs of woken', () => runsOf('woken').length === 2, 10_000);
      await waitFor('1 run of woken-later', () => runsOf('woken-later').length === 1, 10_000);
      expect(runsOf('woken-later')[0]!.at - queuedAt).toBeGreaterThanOrEqual(1_500);
      // Both well before the first fallback poll (60 s).
      expect(Date.now() - queuedAt).toBeLessThan(30_000);
    },
  );

  it.concurrent('retires a queue no longer defined, with the jobs still waiting in it', async () => {
    const older = await start({ definitions: [job('legacy-reminder')] });
    const later = new Date(Date.now() + 3_600_000);
    await older.enqueueMany(
      'legacy-reminder',
      [1, 2, 3].map((n) => ({ data: { n }, startAfter: later })),
    );
    await older.stop();
    const waiting = async () =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${jobSchemaName(db.service)}.job WHERE name = 'legacy-reminder'`,
        )
      ).rows[0]!.n;
    expect(await waiting()).toBe(3);
    expect(await jobs.retire('legacy-reminder')).toBe(3);
    expect(await waiting()).toBe(0);
    expect(await jobs.retire('legacy-reminder')).toBe(0);
    await expect(jobs.retire('plain')).rejects.toThrow(/still defined/);
  });

  it.concurrent('runs a queued job with its data', async () => {
    const id = await jobs.enqueue('plain', { invoiceId: 'inv-1', amount: '12.50' });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor('1 run(s) of plain', () => runsOf('plain').length === 1);
    expect(runsOf('plain')[0]).toMatchObject({ data: { invoiceId: 'inv-1', amount: '12.50' }, attempt: 1 });
  });

  it.concurrent('carries any JSON value as data: strings, arrays, null', async () => {
    await jobs.enqueue('json-data', 'just text');
    await jobs.enqueue('json-data', [1, 'two']);
    await jobs.enqueue('json-data', null);
    await waitFor('3 run(s) of json-data', () => runsOf('json-data').length === 3);
    const data = runsOf('json-data').map((r) => r.data);
    expect(data).toEqual(expect.arrayContaining(['just text', [1, 'two'], null]));
  });

  it.concurrent('runs a delayed job no earlier than its start time', async () => {
    const queuedAt = Date.now();
    await jobs.enqueue('delayed', { n: 1 }, { startAfter: new Date(queuedAt + 2_000) });
    await waitFor('1 run(s) of delayed', () => runsOf('delayed').length === 1);
    // Measured from before the enqueue: a slow enqueue (a busy machine) cannot make it look early.
    expect(runsOf('delayed')[0]!.at - queuedAt).toBeGreaterThanOrEqual(2_000);
  });

  it.concurrent('retries along the ladder, then keeps the job as failed with its error', async () => {
    const id = await jobs.enqueue('always-fails', { invoiceId: 'inv-9' });
    await waitFor('3 run(s) of always-fails', () => runsOf('always-fails').length === 3, 20_000);
    const [first, second, third] = runsOf('always-fails');
    expect([first, second, third].map((r) => r!.attempt)).toEqual([1, 2, 3]);
    // Each step of the ladder, not pg-boss's single delay: 1 s, then 2 s.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(900);
    expect(third!.at - second!.at).toBeGreaterThanOrEqual(1_900);
    await waitFor('always-fails to fail', async () => (await failed('always-fails')).length > 0);
    expect(await failed('always-fails')).toEqual([
      {
        id,
        name: 'always-fails',
        data: { invoiceId: 'inv-9' },
        error: 'always-fails broke on attempt 3',
        failedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);
    // An operator sees the same failure on the job itself.
    expect(await jobOperations(jobs.admin).get(EVERY_ORGANIZATION, id!)).toMatchObject({
      state: 'failed',
      attempts: 3,
      error: 'always-fails broke on attempt 3',
    });
    // Failed for good: pg-boss never runs a job in its final state again.
    expect(await stateOf(id)).toBe('failed');
    expect(runsOf('always-fails')).toHaveLength(3);
  });

  it.concurrent('a job that succeeds on a retry is not failed', async () => {
    await jobs.enqueue('fails-once', {});
    await waitFor('fails-once to run twice', () => runsOf('fails-once').length === 2, 20_000);
    expect(runsOf('fails-once').map((r) => r.attempt)).toEqual([1, 2]);
    expect(await failed('fails-once')).toEqual([]);
  });

  it.concurrent('a job with an empty ladder fails for good on its first failure', async () => {
    const id = await jobs.enqueue('no-retry', { n: 1 });
    await waitFor('no-retry to fail', async () => (await failed('no-retry')).length > 0);
    expect((await failed('no-retry')).map((f) => f.id)).toEqual([id]);
    expect(await stateOf(id)).toBe('failed');
    expect(runsOf('no-retry')).toHaveLength(1);
  });

  it.concurrent("a job without its own ladder follows the service's default", async () => {
    await jobs.enqueue('default-ladder', {});
    await waitFor(
      'default-ladder to fail',
      async () => (await failed('default-ladder')).length === 1,
      20_000,
    );
    expect(runsOf('default-ladder').map((r) => r.attempt)).toEqual([1, 2]);
    // failed() without a name lists every job's failures, and only failures.
    const names = new Set((await failed()).map((f) => f.name));
    expect(names.has('default-ladder')).toBe(true);
    for (const succeeding of ['plain', 'delayed', 'fails-once', 'reminder'])
      expect(names.has(succeeding)).toBe(false);
  });

  it.concurrent('queues at most one job per singleton key while one is waiting', async () => {
    // Far enough ahead that the first is still waiting when the second arrives, even on a busy machine.
    const later = new Date(Date.now() + 4_000);
    const first = await jobs.enqueue('reminder', { v: 1 }, { singletonKey: 'inv-1', startAfter: later });
    const second = await jobs.enqueue('reminder', { v: 2 }, { singletonKey: 'inv-1', startAfter: later });
    const otherKey = await jobs.enqueue('reminder', { v: 3 }, { singletonKey: 'inv-2', startAfter: later });
    const noKey = [await jobs.enqueue('reminder', { v: 4 }), await jobs.enqueue('reminder', { v: 5 })];
    expect(first).not.toBeNull();
    expect(second).toBeNull();
    expect(otherKey).not.toBeNull();
    expect(noKey.every((id) => id !== null)).toBe(true);
    await waitFor('4 run(s) of reminder', () => runsOf('reminder').length === 4);
    expect(
      runsOf('reminder')
        .map((r) => (r.data as { v: number }).v)
        .sort(),
    ).toEqual([1, 3, 4, 5]);
    // Once it ran, the key is free again.
    expect(await jobs.enqueue('reminder', { v: 6 }, { singletonKey: 'inv-1' })).not.toBeNull();
  });

  it.concurrent('queues a job inside a transaction: it exists only if the transaction commits', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO invoices VALUES (1)');
        await jobs.enqueue('in-tx', { from: 'rolled back' }, { tx });
        throw new Error('abort the invoice run');
      }),
    ).rejects.toThrow('abort');
    const id = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO invoices VALUES (2)');
      return jobs.enqueue('in-tx', { from: 'committed' }, { tx });
    });
    expect(id).not.toBeNull();
    await waitFor('1 run(s) of in-tx', () => runsOf('in-tx').length === 1);
    // The rolled-back job was never stored, so nothing can ever run it.
    const stored = await db.query(`SELECT data FROM ${jobSchemaName(db.service)}.job WHERE name = 'in-tx'`);
    expect(stored.rows).toEqual([{ data: { from: 'committed' } }]);
    expect(runsOf('in-tx').map((r) => r.data)).toEqual([{ from: 'committed' }]);
  });

  it.concurrent('cancels a queued job', async () => {
    const due = new Date(Date.now() + 3_000);
    const id = await jobs.enqueue('cancelled', {}, { startAfter: due });
    await jobs.cancel(id!);
    await jobs.cancel('not-a-uuid');
    await jobs.cancel('00000000-0000-4000-8000-000000000000');
    const { rows } = await db.query(`SELECT state FROM ${jobSchemaName(db.service)}.job WHERE id = $1`, [id]);
    expect(rows).toEqual([{ state: 'cancelled' }]);
    // A job due at the same time, queued after it, runs: had the cancelled one been runnable, the
    // worker would have fetched it first (oldest first).
    await jobs.enqueue('cancelled', { marker: true }, { startAfter: due });
    await waitFor('1 run(s) of cancelled', () => runsOf('cancelled').length === 1, 20_000);
    expect(runsOf('cancelled')[0]!.data).toEqual({ marker: true });
  });

  it.concurrent('refuses a job name the service did not define', async () => {
    await expect(jobs.enqueue('nope', {})).rejects.toThrow("unknown job 'nope'");
  });

  it.concurrent(
    'registers cron jobs (UTC) and runs them with their data; a cron dropped from the code is unscheduled',
    async () => {
      const cronDb = await backend.open();
      const cronJobs = await start({
        db: cronDb,
        definitions: [
          job('monthly-run', { cron: '* * * * *', cronData: { period: 'current' } }),
          job('other'),
        ],
      });
      const schema = jobSchemaName(cronDb.service);
      expect((await cronDb.query(`SELECT name, cron, timezone FROM ${schema}.schedule`)).rows).toEqual([
        { name: 'monthly-run', cron: '* * * * *', timezone: 'UTC' },
      ]);
      await waitFor('a monthly-run', () => runsOf('monthly-run').length >= 1, 20_000);
      expect(runsOf('monthly-run')[0]!.data).toEqual({ period: 'current' });
      await cronJobs.stop();

      await start({ db: cronDb, definitions: [job('monthly-run'), job('other')] });
      expect((await cronDb.query(`SELECT name FROM ${schema}.schedule`)).rows).toEqual([]);
    },
  );

  it.concurrent("keeps each service's queue to itself, even with the same job names", async () => {
    const [a, b] = await Promise.all([backend.open(), backend.open()]);
    const seen: string[] = [];
    const echo = (service: string): JobDefinition => ({
      name: 'echo',
      async handle(data) {
        seen.push(`${service}:${String(data)}`);
      },
    });
    const jobsA = await start({ db: a!, definitions: [echo('a')] });
    const jobsB = await start({ db: b!, definitions: [echo('b')] });
    await jobsA.enqueue('echo', 'hello');
    await waitFor('a:hello', () => seen.length > 0);
    expect(seen).toEqual(['a:hello']);
    // B works its own queue: a job queued there after A's runs, and A's never did in B.
    await jobsB.enqueue('echo', 'marker');
    await waitFor('b:marker', () => seen.length > 1);
    expect(seen).toEqual(['a:hello', 'b:marker']);
    // On PGlite B has no rights on A's schema; on PostgreSQL it is in another database altogether.
    await expect(b!.query(`SELECT * FROM ${jobSchemaName(a!.service)}.job`)).rejects.toMatchObject({
      code: expect.stringMatching(/^(42501|42P01)$/),
    });
  });

  it.concurrent('stop() waits for the running job to finish, and it completes', async () => {
    const stopDb = await backend.open();
    let finished = false;
    const slow = await start({
      db: stopDb,
      definitions: [
        {
          name: 'slow',
          async handle() {
            await sleep(1_500); // the work itself: still running when stop() is called
            finished = true;
          },
        },
      ],
    });
    const id = await slow.enqueue('slow', {});
    await waitFor('the slow job to be active', async () => {
      const { rows } = await stopDb.query<{ state: string }>(
        `SELECT state FROM ${jobSchemaName(stopDb.service)}.job WHERE id = $1`,
        [id],
      );
      return rows[0]?.state === 'active';
    });
    await slow.stop();
    expect(finished).toBe(true);
    const { rows } = await stopDb.query(
      `SELECT state FROM ${jobSchemaName(stopDb.service)}.job WHERE id = $1`,
      [id],
    );
    expect(rows).toEqual([{ state: 'completed' }]);
  });

  it.concurrent(
    'a job cut short by stop() goes to its retry ladder instead of failing for good',
    async () => {
      const cutDb = await backend.open();
      const cut = await start({
        db: cutDb,
        stopTimeoutMs: 1_000,
        // Work that never ends on its own, so it outlasts the stop timeout however slow the machine.
        definitions: [
          { name: 'too-slow', retryDelaysSeconds: [60], handle: () => new Promise(() => undefined) },
        ],
      });
      const id = await cut.enqueue('too-slow', {});
      const stateOf = async () =>
        (await cutDb.query(`SELECT state FROM ${jobSchemaName(cutDb.service)}.job WHERE id = $1`, [id])).rows;
      await waitFor('the job to be active', async () => (await stateOf())[0]?.state === 'active');
      await cut.stop();
      expect(await stateOf()).toEqual([{ state: 'retry' }]);
    },
  );
});
