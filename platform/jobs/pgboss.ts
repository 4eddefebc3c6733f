import { setTimeout as sleep } from 'node:timers/promises';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Db, Queryable, Tx } from '../data/db.js';
import { assertServiceName, UUID } from '../data/identifiers.js';
import {
  DEFAULT_JOB_RETRY_DELAYS_SECONDS,
  type JobDefinition,
  type Jobs,
  type ScheduleOptions,
} from './jobs.js';
import { PgBossExecutor, transactionExecutor } from './pgboss-executor.js';
import { retryLadder, type RetryLadder } from './retry-ladder.js';
import { JobDispatcher } from './job-dispatcher.js';
import { JobWorker } from './job-worker.js';
import { jobGauge } from './job-gauge.js';
import { RecurringSchedules } from './recurring.js';

export interface StartJobsOptions {
  db: Db;
  service: string;
  definitions: ReadonlyArray<JobDefinition>;
  log?: Logger;
  /** The ladder of a job that does not set its own. */
  defaultRetryDelaysSeconds?: number[];
  /**
   * How often the service looks for due jobs it was not told of (queued by another process, or by
   * pg-boss's cron); jobs queued through this process and delayed jobs are taken when due.
   */
  pollIntervalSeconds?: number;
  /** How often the cron schedules are checked (1-45; a cron run starts at most this late). */
  cronCheckIntervalSeconds?: number;
  /** Jobs of one definition run at the same time (the worker fetches up to this many at once). */
  concurrency?: number;
  /** How long `stop()` waits for running jobs before failing them over to a retry. */
  stopTimeoutMs?: number;
}

/** What the operators' job routes work on (`operations/job-operations.ts`). */
export interface JobQueueAccess {
  db: Db;
  /** The schema of the service's pg-boss tables. */
  schema: string;
  recurring: RecurringSchedules;
  /** Queues a job of `name` now (a pg-boss schedule triggered by hand). */
  send(name: string, data: unknown): Promise<string | null>;
  /** Looks for due jobs at once (an operator made one due). */
  wake(): void;
}

export interface RunningJobs extends Jobs {
  admin: JobQueueAccess;
  /** Takes no new jobs, waits for the running ones, then stops the timers. The Db stays open. */
  stop(): Promise<void>;
}

/** The schema holding a service's queue (on PGlite each service has its own). */
export function jobSchemaName(service: string): string {
  assertServiceName(service);
  return `pgboss_${service}`;
}

/**
 * Copies of a service starting together would install pg-boss's schema and queues at once: seen
 * with 2 copies of Sales, one failed with a unique violation on `pg_namespace` (pg-boss's own
 * advisory lock does not refresh the catalog cache of the copy that waited) or a deadlock between
 * two `createQueue`s. A session advisory lock makes them take turns; the second finds it all done.
 */
async function oneCopyAtATime(db: Db, key: string, fn: () => Promise<void>): Promise<void> {
  if (!db.openSession) return fn();
  const session = await db.openSession();
  try {
    await session.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
    await fn();
  } finally {
    // Closing the session releases the lock, even when fn failed.
    await session.close();
  }
}

/**
 * Starts the service's job queue on pg-boss 10 over our Db: creates a queue per definition, keeps
 * the cron schedules in line with the definitions and runs one worker per job.
 */
export async function startJobs(opts: StartJobsOptions): Promise<RunningJobs> {
  const { db, log } = opts;
  const schema = jobSchemaName(opts.service);
  const pollingIntervalSeconds = opts.pollIntervalSeconds ?? 2;
  const cronCheck = opts.cronCheckIntervalSeconds ?? 30;
  const ladders = ladderByJob(
    opts.definitions,
    opts.defaultRetryDelaysSeconds ?? DEFAULT_JOB_RETRY_DELAYS_SECONDS,
  );

  const executor = new PgBossExecutor(db);
  const boss = new PgBoss({
    db: executor,
    schema,
    pollingIntervalSeconds,
    cronMonitorIntervalSeconds: cronCheck,
    cronWorkerIntervalSeconds: Math.min(cronCheck, 5),
    expireInSeconds: 15 * 60, // a run taking longer fails (and goes to its retry ladder)
  } as PgBoss.ConstructorOptions);
  boss.on('error', (err: unknown) => log?.error({ err }, 'job queue error'));
  const recurring = new RecurringSchedules(db, boss, schema);
  await oneCopyAtATime(db, `dhanman.${schema}.install`, async () => {
    await boss.start();
    await ensureSingletonIndex(db, schema);
    for (const def of opts.definitions) {
      const ladder = ladders.get(def.name) as RetryLadder;
      const queue = { retryLimit: ladder.retryLimit, retryDelay: ladder.delays[0] ?? 0, retryBackoff: false };
      await boss.createQueue(def.name, { name: def.name, policy: 'standard', ...queue });
      await boss.updateQueue(def.name, { name: def.name, policy: 'standard', ...queue });
    }
    await syncSchedules(boss, opts.definitions);
    await recurring.ensureTable();
  });
  const workers = new Map<string, JobWorker>(
    opts.definitions.map((def): [string, JobWorker] => [
      def.name,
      new JobWorker({
        boss,
        executor,
        schema,
        service: opts.service,
        def,
        ladder: ladders.get(def.name) as RetryLadder,
        concurrency: def.concurrency ?? opts.concurrency ?? 4,
        onFailed: () => dispatcher.wake(),
        ...(log ? { log } : {}),
      }),
    ]),
  );
  const dispatcher = new JobDispatcher({
    db,
    schema,
    workers,
    fallbackPollMs: pollingIntervalSeconds * 1000,
    ...(log ? { log } : {}),
  });
  /** Wakes the dispatcher once `q` (a transaction, when it is one) has committed. */
  const wakeAfter = (q: Queryable | undefined) => {
    const tx = q as Partial<Tx> | undefined;
    if (tx && typeof tx.afterCommit === 'function') tx.afterCommit(() => dispatcher.wake());
    else dispatcher.wake();
  };
  const refreshGauge = jobGauge(opts.service, db, schema);
  const tick = async () => {
    await recurring.tick();
    await refreshGauge();
    dispatcher.wake();
  };
  // Due recurring jobs are queued (and the job gauges refreshed) every cron check.
  const ticker = setInterval(() => {
    void tick().catch((err: unknown) => log?.warn({ err }, 'recurring jobs tick failed'));
  }, cronCheck * 1000);
  ticker.unref();

  for (const worker of workers.values()) worker.start();
  for (const def of opts.definitions) {
    if (!def.atStart) continue;
    // One waiting copy at most: starts in quick succession (several instances) queue it once.
    await boss.send(def.name, JSON.stringify(def.atStart.data ?? null) as unknown as object, {
      singletonKey: 'at-start',
    });
  }
  dispatcher.start();
  log?.info({ schema, jobs: opts.definitions.map((d) => d.name) }, 'jobs started');

  let stopping: Promise<void> | undefined;
  const known = (name: string) => {
    if (!ladders.has(name)) {
      throw new Error(`unknown job '${name}' in ${opts.service}: list it in the service's job definitions`);
    }
  };
  return {
    admin: {
      db,
      schema,
      recurring,
      send: (name, data) => boss.send(name, JSON.stringify(data) as unknown as object),
      wake: () => dispatcher.wake(),
    },
    async enqueueMany(name, jobs, options = {}) {
      known(name);
      if (jobs.length === 0) return;
      await boss.insert(
        jobs.map((j) => ({
          name,
          data: (j.data ?? null) as object,
          ...(j.startAfter ? { startAfter: j.startAfter } : {}),
          ...(j.singletonKey ? { singletonKey: j.singletonKey } : {}),
        })),
        options.tx ? { db: transactionExecutor(options.tx) as PgBoss.Db } : {},
      );
      wakeAfter(options.tx);
    },
    async schedule(job, options = {}) {
      known(job.queue);
      await recurring.register(job, options.tx);
    },
    unschedule: (name) => recurring.remove(name),
    async retire(name) {
      if (ladders.has(name))
        throw new Error(`job '${name}' is still defined in ${opts.service}: not retired`);
      let waiting = 0;
      // Dropping a queue's table beside another copy's createQueue deadlocks: the same turns as
      // installing.
      await oneCopyAtATime(db, `dhanman.${schema}.install`, async () => {
        if (!(await boss.getQueue(name))) return;
        // Every job of it goes (nothing would run or retry one again): pg-boss refuses to delete a
        // queue that still has jobs.
        const { rows } = await db.query<{ n: number }>(
          `WITH gone AS (DELETE FROM ${schema}.job WHERE name = $1 RETURNING state)
           SELECT count(*) FILTER (WHERE state < 'active')::int AS n FROM gone`,
          [name],
        );
        await boss.deleteQueue(name);
        waiting = rows[0]?.n ?? 0;
        log?.info({ schema, job: name, waiting }, 'retired a job no longer defined');
      });
      return waiting;
    },
    async enqueue<D>(name: string, data: D, options: ScheduleOptions = {}): Promise<string | null> {
      known(name);
      const send: PgBoss.SendOptions = {};
      if (options.startAfter) send.startAfter = options.startAfter;
      if (options.singletonKey) send.singletonKey = options.singletonKey;
      if (options.tx) send.db = transactionExecutor(options.tx) as PgBoss.Db;
      // Always JSON text: a bare string or an array would otherwise reach jsonb unencoded.
      const id = await boss.send(name, JSON.stringify(data ?? null) as unknown as object, send);
      wakeAfter(options.tx);
      return id;
    },
    async cancel(id: string): Promise<void> {
      if (!UUID.test(id)) return;
      const { rows } = await db.query<{ name: string }>(`SELECT name FROM ${schema}.job WHERE id = $1`, [id]);
      if (rows[0]) await boss.cancel(rows[0].name, id);
    },
    stop() {
      stopping ??= (async () => {
        const timeout = opts.stopTimeoutMs ?? 30_000;
        clearInterval(ticker);
        await dispatcher.stop();
        await Promise.all([...workers.values()].map((worker) => worker.stop(timeout)));
        await boss.stop({ graceful: true, wait: true, close: false, timeout });
        // pg-boss's own timers may still have a statement on its way: let it land before the Db closes.
        const deadline = Date.now() + 5_000;
        while (executor.busy && Date.now() < deadline) await sleep(20);
        log?.info({ schema }, 'jobs stopped');
      })();
      return stopping;
    },
  };
}
function ladderByJob(
  definitions: ReadonlyArray<JobDefinition>,
  defaults: number[],
): Map<string, RetryLadder> {
  const ladders = new Map<string, RetryLadder>();
  for (const def of definitions) {
    if (ladders.has(def.name)) throw new Error(`job '${def.name}' is defined twice`);
    if (!/^[\w-]+$/.test(def.name)) throw new Error(`job name '${def.name}': use letters, digits, _ and -`);
    ladders.set(def.name, retryLadder(def.retryDelaysSeconds ?? defaults));
  }
  return ladders;
}

/** Cron schedules follow the definitions: added, changed, and removed when a job drops its cron. */
async function syncSchedules(boss: PgBoss, definitions: ReadonlyArray<JobDefinition>): Promise<void> {
  const wanted = new Set<string>();
  for (const def of definitions) {
    if (!def.cron) continue;
    wanted.add(def.name);
    await boss.schedule(def.name, def.cron, JSON.stringify(def.cronData ?? null) as unknown as object, {
      tz: 'UTC',
    });
  }
  for (const existing of await boss.getSchedules()) {
    if (!wanted.has(existing.name)) await boss.unschedule(existing.name);
  }
}

/**
 * "At most one queued job per singleton key": pg-boss 10 enforces that only for special queue
 * policies that would also collapse every job without a key. A partial unique index on the jobs
 * still waiting (created or retry) gives exactly our rule; pg-boss's insert already skips conflicts.
 */
async function ensureSingletonIndex(db: Db, schema: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`dhanman.${schema}.singleton`]);
    await tx.exec(
      `CREATE UNIQUE INDEX IF NOT EXISTS job_dhanman_singleton ON ${schema}.job (name, singleton_key)
       WHERE state < 'active' AND singleton_key IS NOT NULL`,
    );
  });
}
