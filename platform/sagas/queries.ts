import type { Queryable } from '../data/db.js';
import { ACTIVE_SQL, type StepPhase } from './saga.js';
import { INSTANCE_COLUMNS, sagaLease, type InstanceRecord } from './store.js';

/** The saga tables as the sweep, the watchers, the gauge and a payment's history read them. */

export interface StepRecord {
  phase: StepPhase;
  index: number | null;
  name: string;
  status: 'running' | 'done' | 'failed' | 'retrying';
  attempts: number;
  firstAttemptAt: Date;
  lastAttemptAt: Date;
  finishedAt: Date | null;
  lastError: string | null;
  note: string | null;
}

/** Active instances that are due and free: what a sweep resumes (after a crash, a lost job). */
export async function dueInstances(q: Queryable, limit: number): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT id FROM saga_instance
      WHERE ${ACTIVE_SQL} AND (next_run_at IS NULL OR next_run_at <= now())
        AND ${sagaLease.free()}
      ORDER BY next_run_at NULLS FIRST LIMIT $1`,
    [limit],
  );
  return rows.map((r) => r.id);
}

export async function getInstance(q: Queryable, id: string): Promise<InstanceRecord | null> {
  const { rows } = await q.query<InstanceRecord>(
    `SELECT ${INSTANCE_COLUMNS} FROM saga_instance WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

export async function stepsOf(q: Queryable, id: string): Promise<StepRecord[]> {
  const { rows } = await q.query<StepRecord>(
    `SELECT phase, step_index AS index, name, status, attempts, first_attempt_at AS "firstAttemptAt",
            last_attempt_at AS "lastAttemptAt", finished_at AS "finishedAt", last_error AS "lastError", note
       FROM saga_step WHERE saga_id = $1
      ORDER BY CASE phase WHEN 'forward' THEN 0 ELSE 1 END, first_attempt_at,
               CASE phase WHEN 'forward' THEN step_index ELSE -step_index END`,
    [id],
  );
  return rows;
}

/** Instances by type and status, for the gauge. */
export async function countByStatus(
  q: Queryable,
): Promise<Array<{ type: string; status: string; n: number }>> {
  const { rows } = await q.query<{ type: string; status: string; n: string }>(
    'SELECT type, status, count(*) AS n FROM saga_instance GROUP BY type, status',
  );
  return rows.map((r) => ({ type: r.type, status: r.status, n: Number(r.n) }));
}
