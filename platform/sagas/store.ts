import type { Queryable } from '../data/db.js';
import { leaseTerms } from '../data/lease.js';
import { ACTIVE_SQL, isActive, type Progress, type StepPhase } from './saga.js';

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

/** The columns of an instance, named as InstanceRecord names them. */
export const INSTANCE_COLUMNS = `id, type, status, state, phase, step, completed, definition_version AS "definitionVersion",
  failure_reason AS "failureReason", organization_id AS "organizationId", correlation_id AS "correlationId",
  next_run_at AS "nextRunAt", version, created_at AS "createdAt", updated_at AS "updatedAt", finished_at AS "finishedAt"`;

/** A runner holds an instance while it runs a step, and writes only at the version it read. */
export const sagaLease = leaseTerms({ table: 'saga_instance' });

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
    /** The step to run first, and the definition's version the instance starts on. */
    step: string;
    definitionVersion: number;
  },
): Promise<void> {
  // One statement either way: a data-modifying CTE inserts the done steps (none, usually).
  await tx.query(
    `WITH instance AS (
       INSERT INTO saga_instance (id, type, status, state, organization_id, correlation_id, next_run_at,
                                 step, completed, definition_version)
       VALUES ($1, $2, 'running', $3::jsonb, $4, $5, now(), $6, $7::text[], $8)
       RETURNING id
     )
     INSERT INTO saga_step (saga_id, phase, step_index, name, status, attempts, finished_at, note)
     SELECT instance.id, 'forward', s.ord - 1, s.name, 'done', 1, now(), 'done in the transaction that started the saga'
       FROM instance, unnest($7::text[]) WITH ORDINALITY AS s(name, ord)`,
    [
      i.id,
      i.type,
      JSON.stringify(i.state),
      i.organizationId,
      i.correlationId,
      i.step,
      i.done,
      i.definitionVersion,
    ],
  );
}

/**
 * Takes an active, due instance whose lease is free (or expired: its runner died), and records the
 * attempt of the step it is at, in one statement (`positions`: where each type's steps are now,
 * by name, kept with the history for its order).
 * Exactly one runner wins: the row is updated under its own lock, and the loser's condition no
 * longer holds.
 */
export async function claimInstance(
  q: Queryable,
  id: string,
  owner: string,
  leaseMs: number,
  positions: StepPositions,
): Promise<{ instance: InstanceRecord; begun: Begun } | null> {
  const { rows } = await q.query<InstanceRecord & { begun_attempts: number; begun_first_attempt_at: Date }>(
    `WITH held AS (
       UPDATE saga_instance
          SET ${sagaLease.take('$2', '$3')}, ${sagaLease.bump}
        WHERE id = $1 AND ${ACTIVE_SQL} AND step IS NOT NULL
          AND (next_run_at IS NULL OR next_run_at <= now())
          AND ${sagaLease.free()}
        RETURNING ${INSTANCE_COLUMNS}
     ), attempt AS (
       INSERT INTO saga_step (saga_id, phase, step_index, name, status, attempts)
       SELECT id, phase, ($4::jsonb -> type ->> step)::integer, step, 'running', 1 FROM held
       ON CONFLICT (saga_id, phase, name) DO UPDATE
         SET status = 'running', attempts = saga_step.attempts + 1, last_attempt_at = now()
       RETURNING attempts, first_attempt_at
     )
     SELECT held.*, attempt.attempts AS begun_attempts, attempt.first_attempt_at AS begun_first_attempt_at
       FROM held, attempt`,
    [id, owner, leaseMs, JSON.stringify(positions)],
  );
  const r = rows[0];
  if (!r) return null;
  const { begun_attempts: attempts, begun_first_attempt_at: firstAttemptAt, ...instance } = r;
  return { instance, begun: { version: r.version, attempts, firstAttemptAt } };
}

/** Each type's step positions by name: `{ payment: { validate: 0, charge: 1 } }`. */
export type StepPositions = Record<string, Record<string, number>>;

/** A step about to run: its phase, its name, and where it is in the definition now (for the history). */
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
  ON CONFLICT (saga_id, phase, name) DO UPDATE
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
  at: { id: string; owner: string; version: number; phase: StepPhase; step: string },
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
  const finished = !isActive(p.status);
  const { rows } = await q.query<BegunRow>(
    `WITH held AS (
       UPDATE saga_instance
          SET status = $4, phase = $5, step = $6, completed = $7::text[], failure_reason = $8,
              state = $9::jsonb,
              next_run_at = CASE WHEN $10::integer IS NULL THEN NULL ELSE now() + $10::integer * interval '1 millisecond' END,
              lease_owner = CASE WHEN $11 THEN NULL ELSE lease_owner END,
              lease_until = CASE WHEN $11 THEN NULL ELSE lease_until END,
              finished_at = CASE WHEN $12 THEN now() ELSE NULL END,
              ${sagaLease.bump}, updated_at = now()
        WHERE id = $1 AND ${sagaLease.heldBy('$2')} AND ${sagaLease.fenced('$3')}
        RETURNING version
     ), recorded AS (
       UPDATE saga_step SET status = $15, last_error = $16, note = coalesce($17, note),
              finished_at = CASE WHEN $15 IN ('done', 'failed') THEN now() ELSE NULL END
        WHERE saga_id = $1 AND phase = $13 AND name = $14 AND EXISTS (SELECT 1 FROM held)
     ), attempt AS (${attemptOf(18)})
     SELECT held.version, attempt.attempts, attempt.first_attempt_at FROM held LEFT JOIN attempt ON true`,
    [
      at.id,
      at.owner,
      at.version,
      p.status,
      p.phase,
      p.step,
      p.completed,
      p.failureReason,
      JSON.stringify(then.state),
      then.retryInMs,
      then.release || finished,
      finished,
      at.phase,
      at.step,
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
