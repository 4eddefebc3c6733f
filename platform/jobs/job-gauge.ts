import type { Db } from '../data/db.js';
import { gauge } from '../observability/metrics.js';
import { JOB_STATES, stateOf, type JobState } from './job-states.js';

const jobsGauge = gauge('dhanman_jobs', 'Jobs by queue and state', ['service', 'queue', 'state']);

/** Jobs by queue and state, for the metrics. */
async function jobCounts(
  db: Db,
  schema: string,
): Promise<Array<{ queue: string; state: JobState; count: number }>> {
  const { rows } = await db.query<{ name: string; state: string; count: string }>(
    `SELECT name, state::text AS state, count(*) AS count FROM ${schema}.job
      WHERE name NOT LIKE '\\_\\_pgboss\\_\\_%' GROUP BY 1, 2`,
  );
  const totals = new Map<string, { queue: string; state: JobState; count: number }>();
  for (const r of rows) {
    const state = stateOf(r.state);
    const key = `${r.name}|${state}`;
    const t = totals.get(key) ?? { queue: r.name, state, count: 0 };
    t.count += Number(r.count);
    totals.set(key, t);
  }
  return [...totals.values()];
}

/** Refreshes the job gauge from the queue's counts; a queue seen once keeps reporting its zeros. */
export function jobGauge(service: string, db: Db, schema: string): () => Promise<void> {
  const seenQueues = new Set<string>();
  return async () => {
    const counts = await jobCounts(db, schema);
    for (const c of counts) seenQueues.add(c.queue);
    for (const queue of seenQueues) {
      for (const state of JOB_STATES) {
        const found = counts.find((c) => c.queue === queue && c.state === state);
        jobsGauge.set({ service, queue, state }, found?.count ?? 0);
      }
    }
  };
}
