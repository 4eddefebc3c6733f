import type { Queryable } from '../data/db.js';
import type { Progress, SagaStatus, StepPhase } from './saga.js';

/** An instance as the engine reads it. */
export interface InstanceRecord extends Progress {
  id: string;
  type: string;
  state: Record<string, unknown>;
  organizationId: string | null;
  correlationId: string | null;
  nextRunAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export interface StepRecord {
  phase: StepPhase;
  index: number;
  name: string;
  status: 'running' | 'done' | 'failed' | 'retrying';
  attempts: number;
  firstAttemptAt: Date;
  lastAttemptAt: Date;
  finishedAt: Date | null;
  lastError: string | null;
  note: string | null;
}

interface InstanceRow {
  id: string;
  type: string;
  status: SagaStatus;
  state: Record<string, unknown>;
  phase: StepPhase;
  step_index: number;
  completed_steps: number[];
  failure_reason: string | null;
  organization_id: string | null;
  correlation_id: string | null;
  next_run_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const toInstance = (r: InstanceRow): InstanceRecord => ({
  id: r.id,
  type: r.type,
  status: r.status,
  state: r.state,
  phase: r.phase,
  stepIndex: r.step_index,
  completed: r.completed_steps,
  failureReason: r.failure_reason,
  organizationId: r.organization_id,
  correlationId: r.correlation_id,
  nextRunAt: r.next_run_at,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
});

const ACTIVE = `status IN ('running', 'compensating', 'needs-attention')`;

export async function insertInstance(
  tx: Queryable,
  i: {
    id: string;
    type: string;
    state: unknown;
    organizationId: string | null;
    correlationId: string | null;
    /** Names of the leading steps the starting transaction did itself: recorded done, not run. */
    done: readonly string[];
  },
): Promise<void> {
  // One statement either way: a data-modifying CTE inserts the done steps (none, usually).
  await tx.query(
    `WITH instance AS (
       INSERT INTO saga_instance (id, type, status, state, organization_id, correlation_id, next_run_at,
                                 step_index, completed_steps)
       VALUES ($1, $2, 'running', $3::jsonb, $4, $5, now(), $6, $7::integer[])
       RETURNING id
     )
     INSERT INTO saga_step (saga_id, phase, step_index, name, status, attempts, finished_at, note)
     SELECT instance.id, 'forward', s.ord - 1, s.name, 'done', 1, now(), 'done in the transaction that started the saga'
       FROM instance, unnest($8::text[]) WITH ORDINALITY AS s(name, ord)`,
    [
      i.id,
      i.type,
      JSON.stringify(i.state),
      i.organizationId,
      i.correlationId,
      i.done.length,
      `{${i.done.map((_, n) => n).join(',')}}`,
      i.done,
    ],
  );
}

/**
 * Takes an active, due instance whose lease is free (or expired: its runner died), and records the
 * attempt of the step it is at, in one statement (`stepNames`: each type's step names, by index).
 * Exactly one runner wins: the row is updated under its own lock, and the loser's condition no
 * longer holds.
 */
export async function claimInstance(
  q: Queryable,
  id: string,
  owner: string,
  leaseMs: number,
  stepNames: Record<string, string[]>,
): Promise<{ instance: InstanceRecord; begun: Begun } | null> {
  const { rows } = await q.query<InstanceRow & { begun_attempts: number; begun_first_attempt_at: Date }>(
    `WITH held AS (
       UPDATE saga_instance
          SET lease_owner = $2, lease_until = now() + $3::integer * interval '1 millisecond', version = version + 1
        WHERE id = $1 AND ${ACTIVE}
          AND (next_run_at IS NULL OR next_run_at <= now())
          AND (lease_until IS NULL OR lease_until < now())
        RETURNING *
     ), attempt AS (
       INSERT INTO saga_step (saga_id, phase, step_index, name, status, attempts)
       SELECT id, phase, step_index, $4::jsonb -> type ->> step_index, 'running', 1 FROM held
       ON CONFLICT (saga_id, phase, step_index) DO UPDATE
         SET status = 'running', attempts = saga_step.attempts + 1, last_attempt_at = now()
       RETURNING attempts, first_attempt_at
     )
     SELECT held.*, attempt.attempts AS begun_attempts, attempt.first_attempt_at AS begun_first_attempt_at
       FROM held, attempt`,
    [id, owner, leaseMs, JSON.stringify(stepNames)],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    instance: toInstance(r),
    begun: { version: r.version, attempts: r.begun_attempts, firstAttemptAt: r.begun_first_attempt_at },
  };
}

/** Renews the lease while a step runs; false when it was lost (taken over after expiring). */
export async function renewLease(q: Queryable, id: string, owner: string, leaseMs: number): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE saga_instance SET lease_until = now() + $3::integer * interval '1 millisecond'
      WHERE id = $1 AND lease_owner = $2`,
    [id, owner, leaseMs],
  );
  return rowCount === 1;
}

/** A step about to run: where it is in the saga, and its name (for the history). */
export interface StepAt {
  phase: StepPhase;
  index: number;
  name: string;
}

/** A step's attempt as recorded before it runs: the instance's new version, and the attempt's count. */
export interface Begun {
  version: number;
  attempts: number;
  firstAttemptAt: Date;
}

/** Inserts (or counts again) the attempt of saga `$1`'s step ($n..$n+2: phase, index, name) if `held` has its row. */
const attemptOf = (n: number) => `
  INSERT INTO saga_step (saga_id, phase, step_index, name, status, attempts)
  SELECT $1::uuid, $${n}::text, $${n + 1}::integer, $${n + 2}::text, 'running', 1 FROM held WHERE $${n + 2}::text IS NOT NULL
  ON CONFLICT (saga_id, phase, step_index) DO UPDATE
    SET status = 'running', attempts = saga_step.attempts + 1, last_attempt_at = now()
  RETURNING attempts, first_attempt_at`;

type BegunRow = { version: number; attempts: number | null; first_attempt_at: Date | null };
const begunOf = (r: BegunRow): Begun | null =>
  r.attempts === null
    ? null
    : { version: r.version, attempts: r.attempts, firstAttemptAt: r.first_attempt_at! };

/**
 * Records a step's outcome and where the instance goes, in one statement, only if this runner
 * still holds the instance at the version it read; and, when the instance goes on at once with
 * `next`, that step's attempt too (so it is recorded before it runs, without a round trip of its
 * own). Null when the lease is gone (nothing written).
 */
export async function finishStep(
  q: Queryable,
  at: { id: string; owner: string; version: number; phase: StepPhase; index: number },
  outcome: { status: 'done' | 'failed' | 'retrying'; error: string | null; note: string | null },
  then: {
    progress: Progress;
    state: unknown;
    retryInMs: number | null;
    release: boolean;
    next: StepAt | null;
  },
): Promise<{ version: number; next: Begun | null } | null> {
  const p = then.progress;
  const finished = !['running', 'compensating', 'needs-attention'].includes(p.status);
  const { rows } = await q.query<BegunRow>(
    `WITH held AS (
       UPDATE saga_instance
          SET status = $4, phase = $5, step_index = $6, completed_steps = $7::integer[], failure_reason = $8,
              state = $9::jsonb,
              next_run_at = CASE WHEN $10::integer IS NULL THEN NULL ELSE now() + $10::integer * interval '1 millisecond' END,
              lease_owner = CASE WHEN $11 THEN NULL ELSE lease_owner END,
              lease_until = CASE WHEN $11 THEN NULL ELSE lease_until END,
              finished_at = CASE WHEN $12 THEN now() ELSE NULL END,
              version = version + 1, updated_at = now()
        WHERE id = $1 AND lease_owner = $2 AND version = $3
        RETURNING version
     ), recorded AS (
       UPDATE saga_step SET status = $15, last_error = $16, note = coalesce($17, note),
              finished_at = CASE WHEN $15 IN ('done', 'failed') THEN now() ELSE NULL END
        WHERE saga_id = $1 AND phase = $13 AND step_index = $14 AND EXISTS (SELECT 1 FROM held)
     ), attempt AS (${attemptOf(18)})
     SELECT held.version, attempt.attempts, attempt.first_attempt_at FROM held LEFT JOIN attempt ON true`,
    [
      at.id,
      at.owner,
      at.version,
      p.status,
      p.phase,
      p.stepIndex,
      `{${p.completed.join(',')}}`,
      p.failureReason,
      JSON.stringify(then.state),
      then.retryInMs,
      then.release || finished,
      finished,
      at.phase,
      at.index,
      outcome.status,
      outcome.error,
      outcome.note,
      then.next?.phase ?? null,
      then.next?.index ?? null,
      then.next?.name ?? null,
    ],
  );
  const r = rows[0];
  return r ? { version: r.version, next: begunOf(r) } : null;
}

/** Gives an instance back without running it (the runner is stopping). */
export async function releaseLease(q: Queryable, id: string, owner: string): Promise<void> {
  await q.query(
    `UPDATE saga_instance SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2`,
    [id, owner],
  );
}

/** Active instances that are due and free: what a sweep resumes (after a crash, a lost job). */
export async function dueInstances(q: Queryable, limit: number): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT id FROM saga_instance
      WHERE ${ACTIVE} AND (next_run_at IS NULL OR next_run_at <= now())
        AND (lease_until IS NULL OR lease_until < now())
      ORDER BY next_run_at NULLS FIRST LIMIT $1`,
    [limit],
  );
  return rows.map((r) => r.id);
}

export async function getInstance(q: Queryable, id: string): Promise<InstanceRecord | null> {
  const { rows } = await q.query<InstanceRow>('SELECT * FROM saga_instance WHERE id = $1', [id]);
  return rows[0] ? toInstance(rows[0]) : null;
}

export async function stepsOf(q: Queryable, id: string): Promise<StepRecord[]> {
  const { rows } = await q.query<{
    phase: StepPhase;
    step_index: number;
    name: string;
    status: StepRecord['status'];
    attempts: number;
    first_attempt_at: Date;
    last_attempt_at: Date;
    finished_at: Date | null;
    last_error: string | null;
    note: string | null;
  }>(
    `SELECT * FROM saga_step WHERE saga_id = $1
      ORDER BY CASE phase WHEN 'forward' THEN 0 ELSE 1 END,
               CASE phase WHEN 'forward' THEN step_index ELSE -step_index END`,
    [id],
  );
  return rows.map((r) => ({
    phase: r.phase,
    index: r.step_index,
    name: r.name,
    status: r.status,
    attempts: r.attempts,
    firstAttemptAt: r.first_attempt_at,
    lastAttemptAt: r.last_attempt_at,
    finishedAt: r.finished_at,
    lastError: r.last_error,
    note: r.note,
  }));
}

export async function listInstances(
  q: Queryable,
  filter: {
    organizationId: string | null;
    type?: string | undefined;
    status?: SagaStatus | undefined;
    limit: number;
    before?: { createdAt: string; id: string } | undefined;
  },
): Promise<Array<InstanceRecord & { position: string }>> {
  const params: unknown[] = [];
  const where: string[] = [];
  // null: every organization's and those of none (an operator's view).
  if (filter.organizationId !== null) {
    params.push(filter.organizationId);
    where.push(`organization_id = $${params.length}::uuid`);
  }
  if (filter.type) {
    params.push(filter.type);
    where.push(`type = $${params.length}`);
  }
  if (filter.status) {
    params.push(filter.status);
    where.push(`status = $${params.length}`);
  }
  if (filter.before) {
    params.push(filter.before.createdAt, filter.before.id);
    where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(filter.limit);
  const { rows } = await q.query<InstanceRow & { position: string }>(
    `SELECT *, created_at::text AS position FROM saga_instance
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => ({ ...toInstance(r), position: r.position }));
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
