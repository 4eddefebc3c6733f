import type { Queryable } from '../data/db.js';
import type { RecurringJob } from './recurring.js';

/**
 * Background jobs on a PostgreSQL-backed queue (pg-boss), on PostgreSQL and PGlite alike.
 * A job fails over to its retry ladder (default 60 s, 300 s, 900 s; a job may say none);
 * a job that fails its last attempt is kept, with its error, as failed.
 */
export interface JobDefinition<D = unknown> {
  /** Unique within the service. */
  name: string;
  /** A cron expression (minute resolution, UTC) to run the job on a schedule. */
  cron?: string;
  /** Data passed to cron-started runs. */
  cronData?: D;
  /**
   * Also queue one run as soon as the service starts, with this data: a sweep for work a previous
   * process left unfinished need not wait for its first cron tick.
   */
  atStart?: { data: D };
  /** Delays in seconds before retry 1, 2, 3...; [] means no retry. */
  retryDelaysSeconds?: number[];
  /**
   * At most this many of the job run at once in a process (default: the service's job
   * concurrency). A long job that keeps the CPU busy takes fewer slots, so the process still
   * answers its API promptly while it runs.
   */
  concurrency?: number;
  handle(data: D, job: { id: string; attempt: number }): Promise<void>;
}

export interface ScheduleOptions {
  /** Run no earlier than this moment. */
  startAfter?: Date;
  /** At most one job with this key is queued at a time (used to make schedulers idempotent). */
  singletonKey?: string;
  /**
   * Queue the job inside this transaction: it exists only if the transaction commits, together
   * with the business writes it belongs to.
   */
  tx?: Queryable;
}

/** One job of `enqueueMany`. */
export interface JobToQueue<D = unknown> {
  data: D;
  startAfter?: Date;
  singletonKey?: string;
}

export interface Jobs {
  /** Queues a job now or later; returns its id, or null when a singleton of that key is queued. */
  enqueue<D>(name: string, data: D, opts?: ScheduleOptions): Promise<string | null>;
  /** Queues many jobs of one definition in one statement (inside `tx` when given). */
  enqueueMany<D>(name: string, jobs: ReadonlyArray<JobToQueue<D>>, opts?: { tx?: Queryable }): Promise<void>;
  /**
   * Adds or changes a recurring job: `queue` runs with `data` on `cron` read in `timezone` (an
   * IANA zone). Idempotent; throws a RangeError on a bad cron or zone.
   */
  schedule(job: RecurringJob, opts?: { tx?: Queryable }): Promise<void>;
  unschedule(name: string): Promise<void>;
  /**
   * Deletes the queue of a job the service no longer defines, with the jobs still waiting in it
   * (none would ever run); returns how many. A queue still defined is refused.
   */
  retire(name: string): Promise<number>;
  cancel(id: string): Promise<void>;
}

export const DEFAULT_JOB_RETRY_DELAYS_SECONDS = [60, 300, 900];
