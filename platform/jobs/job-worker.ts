import { setTimeout as sleep } from 'node:timers/promises';
import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { JobDefinition } from './jobs.js';
import { cronIntervalSeconds, jobMetrics } from './metrics.js';
import type { PgBossExecutor } from './pgboss-executor.js';
import { delayAfterFailedAttempt, type RetryLadder } from './retry-ladder.js';

export interface WorkerOptions {
  boss: PgBoss;
  executor: PgBossExecutor;
  schema: string;
  /** The service running the jobs (metric label). */
  service: string;
  def: JobDefinition;
  ladder: RetryLadder;
  concurrency: number;
  /** Called after a job failed (its retry, if any, is due later: the dispatcher looks again). */
  onFailed?: () => void;
  log?: Logger;
}

type Job = PgBoss.JobWithMetadata<unknown>;

/**
 * Runs the jobs of one definition. Our own loop over pg-boss's fetch rather than `boss.work`: up to
 * `concurrency` jobs run side by side and a slot that frees is filled at once (a batch waiting for
 * its slowest job held four monthly runs behind one long one); each failure is failed on its own
 * (with its error, into its retry ladder), successes are completed together in one statement before
 * the next fetch. A fetch that fills every free slot is followed by another as soon as a slot frees,
 * so a backlog drains at database speed; otherwise the worker waits to be kicked by the service's
 * JobDispatcher (no poll of its own). `stop()` waits for the running jobs and fails over (to a
 * retry) those that outlast it.
 */
export class JobWorker {
  private stopping = false;
  private readonly wakeup = new Wakeup();
  /** Its queue has (or may have) due jobs: set by a kick and by a fetch that filled every slot. */
  private due = true;
  private loop: Promise<void> | undefined;
  /** Handlers in progress, and handlers done whose completion is not recorded yet. */
  private readonly running = new Map<string, Promise<void>>();
  private readonly succeeded = new Set<string>();

  constructor(private readonly opts: WorkerOptions) {}

  start(): void {
    const labels = { service: this.opts.service, job: this.opts.def.name };
    jobMetrics.lastSuccess.set(labels, Date.now() / 1000);
    if (this.opts.def.cron) jobMetrics.expectedInterval.set(labels, cronIntervalSeconds(this.opts.def.cron));
    this.loop ??= this.run();
  }

  /** Its queue has due jobs: fetch them (now, or when a slot frees). */
  kick(): void {
    this.due = true;
    this.wakeup.notify();
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.wakeup.notify();
    const finished = await Promise.race([this.loop?.then(() => true), sleep(timeoutMs, false)]);
    if (finished) return;
    const { boss, def, log } = this.opts;
    const [done, cut] = [[...this.succeeded], [...this.running.keys()]];
    log?.warn({ job: def.name, jobIds: cut }, 'jobs still running at shutdown: failing them over to a retry');
    try {
      if (done.length > 0) await boss.complete(def.name, done);
      for (const id of cut)
        await boss.fail(def.name, id, new Error(`shut down while running (waited ${timeoutMs} ms)`));
    } catch (err) {
      log?.error({ err, job: def.name }, 'could not record the jobs cut short by shutdown');
    }
  }

  private async run(): Promise<void> {
    const { boss, def, concurrency, log } = this.opts;
    while (!this.stopping) {
      await this.completeSucceeded();
      const free = concurrency - this.running.size;
      if (free > 0 && this.due) {
        this.due = false;
        let jobs: Job[] = [];
        try {
          jobs = ((await boss.fetch<unknown>(def.name, { batchSize: free, includeMetadata: true })) ??
            []) as Job[];
        } catch (err) {
          log?.error({ err, job: def.name }, 'could not fetch jobs');
        }
        // Every free slot filled: there may be more waiting, fetch again when a slot frees.
        if (jobs.length === free) this.due = true;
        for (const job of jobs) this.begin(job);
      }
      await this.wakeup.wait();
    }
    await Promise.all(this.running.values());
    await this.completeSucceeded();
  }

  private begin(job: Job): void {
    const work = this.runOne(job).then(() => {
      this.running.delete(job.id);
      this.wakeup.notify();
    });
    this.running.set(job.id, work);
  }

  /** Records the finished jobs in one statement (left active on failure: they time out and retry). */
  private async completeSucceeded(): Promise<void> {
    if (this.succeeded.size === 0) return;
    const { boss, def, log } = this.opts;
    const done = [...this.succeeded];
    try {
      await boss.complete(def.name, done);
    } catch (err) {
      // Left active, they time out and follow their retry ladder: at least once, never lost.
      // After a shutdown that failed them over, this is expected (and they are already retried).
      log?.[this.stopping ? 'warn' : 'error'](
        { err, job: def.name, jobIds: done },
        'could not record finished jobs',
      );
    }
    for (const id of done) this.succeeded.delete(id);
  }

  /** True when the handler succeeded; a failure is recorded here, with its own error. */
  private async runOne(job: Job): Promise<boolean> {
    const { boss, def, ladder, log } = this.opts;
    const attempt = job.retryCount + 1;
    const retryIn = delayAfterFailedAttempt(ladder, attempt);
    const labels = { service: this.opts.service, job: def.name };
    const stopTimer = jobMetrics.duration.startTimer(labels);
    try {
      if (retryIn !== null && job.retryDelay !== retryIn) {
        // The step of the ladder that applies if this attempt fails (or times out, or is cut short).
        await this.opts.executor.executeSql(
          `UPDATE ${this.opts.schema}.job SET retry_delay = $3 WHERE name = $1 AND id = $2`,
          [def.name, job.id, retryIn],
        );
      }
      await withinSeconds(def.handle(job.data, { id: job.id, attempt }), Number(job.expireInSeconds));
      this.succeeded.add(job.id);
      stopTimer();
      jobMetrics.runs.inc({ ...labels, outcome: 'success' });
      jobMetrics.lastSuccess.set(labels, Date.now() / 1000);
      return true;
    } catch (err) {
      stopTimer();
      jobMetrics.runs.inc({ ...labels, outcome: 'failure' });
      log?.warn(
        { err, job: def.name, jobId: job.id, attempt, retryInSeconds: retryIn },
        retryIn === null ? 'job failed, no retries left' : 'job failed, will retry',
      );
      await boss
        .fail(def.name, job.id, err instanceof Error ? err : new Error(String(err)))
        .catch((failErr: unknown) =>
          log?.error({ err: failErr, jobId: job.id }, 'could not record a job failure'),
        );
      this.opts.onFailed?.();
      return false;
    }
  }
}

/** A wake that is never lost: a notify while the loop is busy is seen at its next wait. */
class Wakeup {
  private pending = false;
  private resolve: (() => void) | undefined;

  notify(): void {
    this.pending = true;
    this.resolve?.();
    this.resolve = undefined;
  }

  async wait(): Promise<void> {
    if (!this.pending) await new Promise<void>((resolve) => (this.resolve = resolve));
    this.pending = false;
  }
}

/** A handler running past its time limit counts as failed, so the worker can go on. */
async function withinSeconds(work: Promise<void>, seconds: number): Promise<void> {
  const limit = new AbortController();
  try {
    await Promise.race([
      work,
      sleep(Math.max(1, seconds) * 1000, undefined, { signal: limit.signal }).then(() => {
        throw new Error(`job ran longer than its limit of ${seconds} s`);
      }),
    ]);
  } finally {
    limit.abort();
  }
}
