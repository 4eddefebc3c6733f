import { nextRunAt } from '#platform/jobs/next-run.js';
import { stateOf, type JobState } from '#platform/jobs/job-states.js';
import type { JobQueueAccess } from '#platform/jobs/pgboss.js';
import { recurringJobs, type RecurringView } from './recurring-jobs.js';
import { JobAdmin, type JobAction, type JobScope, type JobView } from './job-admin.js';

/** What an operator can see and do with a service's jobs (Hangfire's dashboard, over HTTP). */
export interface JobOperations {
  recurring(scope: JobScope): Promise<RecurringView[]>;
  /** Queues a run of a recurring job now; null when there is no such recurring job (in scope). */
  trigger(scope: JobScope, name: string): Promise<string | null>;
  list(scope: JobScope, filter: { queue?: string; state?: JobState; limit?: number }): Promise<JobView[]>;
  get(scope: JobScope, id: string): Promise<JobView | null>;
  runNow(scope: JobScope, id: string): Promise<JobAction>;
  retry(scope: JobScope, id: string): Promise<JobAction>;
  cancel(scope: JobScope, id: string): Promise<JobAction>;
}

export function jobOperations(queue: JobQueueAccess): JobOperations {
  const { db, schema, recurring } = queue;
  const admin = new JobAdmin(db, schema);
  // What an operator does to a job makes it due now: look at once rather than at the next poll.
  const woken =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await fn(...args);
      queue.wake();
      return result;
    };

  /** Jobs with a cron in their definition (pg-boss's schedules, UTC): listed beside ours. */
  const definitionSchedules = async (): Promise<RecurringView[]> => {
    const { rows } = await db.query<{
      name: string;
      cron: string;
      timezone: string | null;
      last_at: Date | null;
      last_state: string | null;
    }>(
      `SELECT s.name, s.cron, s.timezone, l.created_on AS last_at, l.state AS last_state
         FROM ${schema}.schedule s
         LEFT JOIN LATERAL (
           SELECT created_on, state::text AS state FROM ${schema}.job j WHERE j.name = s.name
           ORDER BY created_on DESC LIMIT 1) l ON true
        ORDER BY s.name`,
    );
    return rows.map((r) => {
      const zone = r.timezone ?? 'UTC';
      return {
        name: r.name,
        queue: r.name,
        cron: r.cron,
        timezone: zone,
        nextRunAt: nextRunAt(r.cron, zone, new Date()).toISOString(),
        lastRunAt: r.last_at?.toISOString() ?? null,
        lastState: r.last_state ? stateOf(r.last_state) : null,
      };
    });
  };

  return {
    async recurring(scope) {
      const ours = await recurringJobs(db, schema, scope.organizationId);
      // pg-boss's schedules (sweeps) belong to no organization: an operator's, unfiltered.
      return scope.organizationId === null ? [...ours, ...(await definitionSchedules())] : ours;
    },
    trigger: woken(async (scope, name) => {
      const id = await recurring.trigger(scope.organizationId, name);
      if (id) return id;
      if (scope.organizationId !== null) return null;
      const { rows } = await db.query<{ data: unknown }>(
        `SELECT data FROM ${schema}.schedule WHERE name = $1`,
        [name],
      );
      if (!rows[0]) return null;
      return queue.send(name, rows[0].data ?? null);
    }),
    list: (scope, filter) => admin.list(scope, filter),
    get: (scope, id) => admin.get(scope, id),
    runNow: woken((scope: JobScope, id: string) => admin.runNow(scope, id)),
    retry: woken((scope: JobScope, id: string) => admin.retry(scope, id)),
    cancel: (scope, id) => admin.cancel(scope, id),
  };
}
