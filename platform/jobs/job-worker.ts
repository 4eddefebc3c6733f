import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { JobDefinition } from './jobs.js';
import type { PgBossExecutor } from './pgboss-executor.js';
import { delayAfterFailedAttempt, type RetryLadder } from './retry-ladder.js';

export interface WorkerOptions {
  boss: PgBoss;
  executor: PgBossExecutor;
  schema: string;
  def: JobDefinition;
  ladder: RetryLadder;
  pollingIntervalSeconds: number;
  concurrency: number;
  /** Handlers running now, across the service's workers (stop waits for them). */
  tracker: { running: number };
  log?: Logger;
}

/**
 * One pg-boss worker for a job definition. It fetches up to `concurrency` due jobs, runs them side
 * by side and completes or fails each on its own (pg-boss would fail a whole batch together). After
 * a non-empty batch it looks again at once instead of sleeping a polling interval, so a backlog
 * drains at database speed.
 */
export async function startWorker(opts: WorkerOptions): Promise<void> {
  const { boss, def } = opts;
  let workerId = '';
  workerId = await boss.work<unknown>(
    def.name,
    {
      pollingIntervalSeconds: opts.pollingIntervalSeconds,
      batchSize: opts.concurrency,
      includeMetadata: true,
    },
    async (jobs: PgBoss.JobWithMetadata<unknown>[]) => {
      await Promise.all(jobs.map((job) => runOne(opts, job)));
      if (jobs.length > 0 && workerId) boss.notifyWorker(workerId);
    },
  );
}

async function runOne(opts: WorkerOptions, job: PgBoss.JobWithMetadata<unknown>): Promise<void> {
  const { boss, def, tracker, log } = opts;
  const attempt = job.retryCount + 1;
  const retryIn = delayAfterFailedAttempt(opts.ladder, attempt);
  tracker.running += 1;
  try {
    try {
      if (retryIn !== null && job.retryDelay !== retryIn) {
        // The step of the ladder that applies if this attempt fails (or times out, or is cut short).
        await opts.executor.executeSql(
          `UPDATE ${opts.schema}.job SET retry_delay = $3 WHERE name = $1 AND id = $2`,
          [def.name, job.id, retryIn],
        );
      }
      await def.handle(job.data, { id: job.id, attempt });
    } catch (err) {
      log?.warn(
        { err, job: def.name, jobId: job.id, attempt, retryInSeconds: retryIn },
        retryIn === null ? 'job failed, no retries left' : 'job failed, will retry',
      );
      await boss.fail(def.name, job.id, err as object);
      return;
    }
    await boss.complete(def.name, job.id);
  } catch (err) {
    // Left active, the job times out and then follows its retry ladder.
    log?.error({ err, job: def.name, jobId: job.id }, 'could not record the outcome of a job');
  } finally {
    tracker.running -= 1;
  }
}
