import type PgBoss from 'pg-boss';
import type { Db } from '../data/db.js';
import { gauge } from '../observability/metrics.js';
import {
  JOB_STATES,
  type JobAction,
  type JobAdmin,
  type JobScope,
  stateOf,
  type JobState,
  type JobView,
} from './job-admin.js';
import { nextRunAt } from './next-run.js';
import type { RecurringSchedules, RecurringView } from './recurring.js';

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
  /** Queues the due recurring jobs and refreshes the job gauges. */
  tick(): Promise<void>;
}

const jobsGauge = gauge('dhanman_jobs', 'Jobs by queue and state', ['service', 'queue', 'state']);

export function jobOperations(deps: {
  service: string;
  db: Db;
  boss: PgBoss;
  schema: string;
  recurring: RecurringSchedules;
  admin: JobAdmin;
}): JobOperations {
  const { db, boss, schema, recurring, admin, service } = deps;
  const seenQueues = new Set<string>();

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
      const ours = await recurring.list(scope.organizationId);
      // pg-boss's schedules (sweeps) belong to no organization: an operator's, unfiltered.
      return scope.organizationId === null ? [...ours, ...(await definitionSchedules())] : ours;
    },
    async trigger(scope, name) {
      const id = await recurring.trigger(scope.organizationId, name);
      if (id) return id;
      if (scope.organizationId !== null) return null;
      const { rows } = await db.query<{ data: unknown }>(
        `SELECT data FROM ${schema}.schedule WHERE name = $1`,
        [name],
      );
      if (!rows[0]) return null;
      return boss.send(name, JSON.stringify(rows[0].data ?? null) as unknown as object);
    },
    list: (scope, filter) => admin.list(scope, filter),
    get: (scope, id) => admin.get(scope, id),
    runNow: (scope, id) => admin.runNow(scope, id),
    retry: (scope, id) => admin.retry(scope, id),
    cancel: (scope, id) => admin.cancel(scope, id),
    async tick() {
      await recurring.tick();
      const counts = await admin.counts();
      for (const c of counts) seenQueues.add(c.queue);
      for (const queue of seenQueues) {
        for (const state of JOB_STATES) {
          const found = counts.find((c) => c.queue === queue && c.state === state);
          jobsGauge.set({ service, queue, state }, found?.count ?? 0);
        }
      }
    },
  };
}
