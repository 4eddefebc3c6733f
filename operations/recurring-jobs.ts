import type { Db } from '#platform/data/db.js';
import { stateOf, type JobState } from '#platform/jobs/job-states.js';
import { RECURRING_TABLE } from '#platform/jobs/recurring.js';

export interface RecurringView {
  name: string;
  queue: string;
  cron: string;
  timezone: string;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastState: JobState | null;
}

/** The recurring jobs of one organization (data naming it), or all of them (null: an operator). */
export async function recurringJobs(
  db: Db,
  schema: string,
  organizationId: string | null,
): Promise<RecurringView[]> {
  const { rows } = await db.query<{
    name: string;
    queue: string;
    cron: string;
    timezone: string;
    next_run_at: Date;
    last_run_at: Date | null;
    state: string | null;
  }>(
    `SELECT r.name, r.queue, r.cron, r.timezone, r.next_run_at, r.last_run_at,
            COALESCE(j.state::text, a.state::text) AS state
       FROM ${schema}.${RECURRING_TABLE} r
       LEFT JOIN ${schema}.job j ON j.id = r.last_job_id
       LEFT JOIN ${schema}.archive a ON j.id IS NULL AND a.id = r.last_job_id
      WHERE $1::text IS NULL OR lower(r.data->>'organizationId') = lower($1::text)
      ORDER BY r.name`,
    [organizationId],
  );
  return rows.map((r) => ({
    name: r.name,
    queue: r.queue,
    cron: r.cron,
    timezone: r.timezone,
    nextRunAt: r.next_run_at.toISOString(),
    lastRunAt: r.last_run_at?.toISOString() ?? null,
    lastState: r.state ? stateOf(r.state) : null,
  }));
}
