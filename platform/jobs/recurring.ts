import { randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import type { Db, Queryable } from '../data/db.js';
import { transactionExecutor } from './pgboss-executor.js';
import { assertSchedule, nextRunAt } from './next-run.js';

/** A job run on a schedule read as wall-clock time in a time zone (one per organization, say). */
export interface RecurringJob {
  /** Unique within the service, e.g. `monthly-invoice-run.<organizationId>`. */
  name: string;
  /** The job definition that runs it. */
  queue: string;
  cron: string;
  timezone: string;
  data?: unknown;
}

/** The table of recurring jobs, in the service's pg-boss schema. */
export const RECURRING_TABLE = 'dhanman_recurring';

/**
 * Recurring jobs kept in a table of our own next to pg-boss's: pg-boss 10 keeps one schedule per
 * queue (no per-organization schedules) and its cron runs once per check interval; here each row
 * has its next moment computed in its zone, and a due row becomes a job in the same transaction
 * that moves the row on (so a job is queued once per moment, however many instances tick).
 */
export class RecurringSchedules {
  constructor(
    private readonly db: Db,
    private readonly boss: PgBoss,
    private readonly schema: string,
  ) {}

  async ensureTable(): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`dhanman.${this.schema}.recurring`]);
      await tx.exec(
        `CREATE TABLE IF NOT EXISTS ${this.schema}.${RECURRING_TABLE} (
           name text PRIMARY KEY,
           queue text NOT NULL,
           cron text NOT NULL,
           timezone text NOT NULL,
           data jsonb,
           next_run_at timestamptz NOT NULL,
           last_run_at timestamptz,
           last_job_id uuid,
           updated_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
    });
  }

  /** Adds or changes a recurring job; the next run is recomputed only when cron or zone change. */
  async register(job: RecurringJob, q: Queryable = this.db): Promise<void> {
    assertSchedule(job.cron, job.timezone);
    const next = nextRunAt(job.cron, job.timezone, new Date());
    await q.query(
      `INSERT INTO ${this.schema}.${RECURRING_TABLE} (name, queue, cron, timezone, data, next_run_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6)
       ON CONFLICT (name) DO UPDATE SET queue = EXCLUDED.queue, data = EXCLUDED.data, updated_at = now(),
         cron = EXCLUDED.cron, timezone = EXCLUDED.timezone,
         next_run_at = CASE WHEN ${RECURRING_TABLE}.cron = EXCLUDED.cron AND ${RECURRING_TABLE}.timezone = EXCLUDED.timezone
                            THEN ${RECURRING_TABLE}.next_run_at ELSE EXCLUDED.next_run_at END`,
      [job.name, job.queue, job.cron, job.timezone, JSON.stringify(job.data ?? null), next],
    );
  }

  async remove(name: string): Promise<void> {
    await this.db.query(`DELETE FROM ${this.schema}.${RECURRING_TABLE} WHERE name = $1`, [name]);
  }

  /** Queues a run now ("trigger now"); the schedule stays as it is. Null when there is no such job. */
  async trigger(organizationId: string | null, name: string): Promise<string | null> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ queue: string; data: unknown }>(
        `SELECT queue, data FROM ${this.schema}.${RECURRING_TABLE}
          WHERE name = $1 AND ($2::text IS NULL OR lower(data->>'organizationId') = lower($2::text)) FOR UPDATE`,
        [name, organizationId],
      );
      const row = rows[0];
      if (!row) return null;
      const id = await this.queue(tx, row.queue, row.data, `${name}@trigger@${Date.now()}`);
      await tx.query(
        `UPDATE ${this.schema}.${RECURRING_TABLE} SET last_run_at = now(), last_job_id = $2 WHERE name = $1`,
        [name, id],
      );
      return id;
    });
  }

  /** Queues every due recurring job once and moves it to its next moment; returns how many. */
  async tick(now = new Date()): Promise<number> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{
        name: string;
        queue: string;
        cron: string;
        timezone: string;
        data: unknown;
        next_run_at: Date;
      }>(
        `SELECT name, queue, cron, timezone, data, next_run_at FROM ${this.schema}.${RECURRING_TABLE}
          WHERE next_run_at <= $1 ORDER BY next_run_at LIMIT 500 FOR UPDATE SKIP LOCKED`,
        [now],
      );
      for (const r of rows) {
        const id = await this.queue(tx, r.queue, r.data, `${r.name}@${r.next_run_at.toISOString()}`);
        // A moment missed while the service was down runs once, then the schedule moves past now.
        await tx.query(
          `UPDATE ${this.schema}.${RECURRING_TABLE} SET last_run_at = $2, last_job_id = $3, next_run_at = $4 WHERE name = $1`,
          [r.name, r.next_run_at, id, nextRunAt(r.cron, r.timezone, now)],
        );
      }
      return rows.length;
    });
  }

  private async queue(tx: Queryable, queue: string, data: unknown, singletonKey: string): Promise<string> {
    const id = randomUUID();
    await this.boss.insert([{ id, name: queue, data: data as object, singletonKey }], {
      db: transactionExecutor(tx) as PgBoss.Db,
    });
    return id;
  }
}
