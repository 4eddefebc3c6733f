import type { Logger } from 'pino';
import type { Tx } from '../data/db.js';
import { delayAt } from '../retry/backoff.js';

/**
 * A saga: a business process of ordered steps whose progress is kept in the service's own
 * database, so a crash resumes it where it stopped. A step is run at least once (a crash between
 * its effect and the record of its outcome runs it again), so every step must be safe to repeat:
 * an idempotency key at the provider, a check of what it already wrote.
 *
 * Statuses: `running` (forward), `compensating` (undoing completed steps after a failure),
 * `completed`, `failed` (nothing to undo), `compensated` (undone), `needs-attention` (a step kept
 * failing past its deadline: still retried, and shown to an operator).
 */
export const SAGA_STATUSES = [
  'running',
  'compensating',
  'needs-attention',
  'completed',
  'failed',
  'compensated',
] as const;
export type SagaStatus = (typeof SAGA_STATUSES)[number];

/** Statuses in which the engine still works on an instance (the one list; SQL reads `ACTIVE_SQL`). */
export const ACTIVE_STATUSES: readonly SagaStatus[] = ['running', 'compensating', 'needs-attention'];
export const isActive = (s: SagaStatus) => ACTIVE_STATUSES.includes(s);
/** `status IN (...)` of the active statuses, for the store's statements. */
export const ACTIVE_SQL = `status IN (${ACTIVE_STATUSES.map((s) => `'${s}'`).join(', ')})`;

export type StepPhase = 'forward' | 'compensate';

/** What one run of a step (or of its compensation) concluded. */
export type StepResult<S> =
  /** Done: go on. `state` is merged into the saga's state; `note` is kept with the step. */
  | { outcome: 'done'; state?: Partial<S>; note?: string }
  /** The step cannot succeed: undo the completed steps (those with a compensation), then stop. */
  | { outcome: 'fail'; reason: string; state?: Partial<S> }
  /** Outcome unknown or a dependency is down: run the step again after its next delay. */
  | { outcome: 'retry'; reason: string };

export interface RetryPolicy {
  /** Delay before retry 1, 2, ...; the last one repeats. */
  delaysMs: readonly number[];
  /** After this long since the step's first attempt the saga is `needs-attention` (still retried). */
  deadlineMs?: number;
  /** Give up (as a `fail`) after this many attempts; unset: never give up. */
  maxAttempts?: number;
}

export interface StepContext<S> {
  sagaId: string;
  state: Readonly<S>;
  /** 1 on the first run of this step (or of its compensation). */
  attempt: number;
  log: Logger;
}

export interface StepDefinition<S> {
  /** The step's identity in stored progress: rename it only with a migration of running instances. */
  name: string;
  /**
   * The definition version that added the step. Instances started on an older version skip it
   * even if they have not reached it yet (they run the steps they started with, as Temporal's
   * patching does); unset: every instance that has not passed it runs it.
   */
  since?: number;
  run(ctx: StepContext<S>): Promise<StepResult<S>>;
  retry?: RetryPolicy;
  /** Undoes the step's effect after a later step failed; retried with the same policy until done. */
  compensate?(ctx: StepContext<S>): Promise<StepResult<S>>;
}

export interface SagaDefinition<S = Record<string, unknown>> {
  /** Unique within the service, e.g. `payment`. */
  type: string;
  /**
   * Bumped when steps are added, removed or reordered (default 1), and recorded with each
   * instance at its start. Progress is stored by step name, so an instance started on an older
   * version resumes at its step wherever the step now is; a step it is at must not be removed
   * while such instances run.
   */
  version?: number;
  steps: ReadonlyArray<StepDefinition<S>>;
  /**
   * Called in the transaction that records a change of status, so the service's own documents
   * can follow the saga's status atomically. Not at the start: the caller writes its document
   * (as `running` means) in the transaction that starts the instance.
   */
  onStatus?(
    tx: Tx,
    instance: { id: string; status: SagaStatus; state: S; failureReason: string | null },
  ): Promise<void>;
}

/** A saga definition of any state, as the engine and the host hold them. */
export type AnySagaDefinition = SagaDefinition<Record<string, unknown>>;

export const DEFAULT_RETRY: RetryPolicy = { delaysMs: [1_000, 5_000, 15_000, 60_000] };

/** Where an instance is and what it is doing: the part the transition below reads and writes. */
export interface Progress {
  status: SagaStatus;
  phase: StepPhase;
  /** The name of the step the instance is at (the last one run, once finished). */
  step: string;
  /** Names of forward steps that completed (the ones a compensation walks back over). */
  completed: string[];
  failureReason: string | null;
  /** The definition's version the instance started on. */
  definitionVersion: number;
}

/** What to do after a step ran: the new progress, the step's own record, and when to run next. */
export interface Transition {
  progress: Progress;
  step: { status: 'done' | 'failed' | 'retrying'; error: string | null };
  /** Delay before the instance runs again; null: at once (the next step), or never (finished). */
  retryInMs: number | null;
}

/** Where step `name` is in the definition; throws for a step the definition no longer has. */
export function stepIndex(def: AnySagaDefinition, name: string): number {
  const i = def.steps.findIndex((s) => s.name === name);
  if (i < 0) throw new Error(`saga ${def.type} has no step ${name} (removed while instances were at it?)`);
  return i;
}

/** The next forward step after index `from` for an instance started on `version`; -1 when none. */
function nextForward(def: AnySagaDefinition, from: number, version: number): number {
  for (let i = from + 1; i < def.steps.length; i++) {
    if ((def.steps[i]!.since ?? 1) <= version) return i;
  }
  return -1;
}

/** The next step to compensate, walking back from `below` (exclusive); -1 when none is left. */
export function nextCompensable(def: AnySagaDefinition, completed: readonly string[], below: number): number {
  for (let i = below - 1; i >= 0; i--) {
    const step = def.steps[i]!;
    if (completed.includes(step.name) && step.compensate) return i;
  }
  return -1;
}

/**
 * The saga's state machine, pure: given where it was, the step's result, how often the step has
 * run and since when, decide where it goes. The engine persists the answer before going on.
 */
export function transition(
  def: AnySagaDefinition,
  at: Progress,
  result: StepResult<unknown>,
  attempts: { count: number; firstAt: number; now: number },
): Transition {
  const index = stepIndex(def, at.step);
  const step = def.steps[index]!;
  const policy = step.retry ?? DEFAULT_RETRY;

  if (result.outcome === 'retry') {
    if (policy.maxAttempts !== undefined && attempts.count >= policy.maxAttempts && at.phase === 'forward') {
      return transition(
        def,
        at,
        { outcome: 'fail', reason: `gave up after ${attempts.count} attempts: ${result.reason}` },
        attempts,
      );
    }
    const delays = policy.delaysMs.length > 0 ? policy.delaysMs : DEFAULT_RETRY.delaysMs;
    const delay = delayAt(delays, attempts.count);
    const late = policy.deadlineMs !== undefined && attempts.now - attempts.firstAt >= policy.deadlineMs;
    return {
      // Flagged for an operator once late, and until the step moves on; still retried meanwhile.
      progress: { ...at, status: late || at.status === 'needs-attention' ? 'needs-attention' : at.status },
      step: { status: 'retrying', error: result.reason },
      retryInMs: delay,
    };
  }

  if (at.phase === 'forward') {
    if (result.outcome === 'done') {
      const completed = [...at.completed, at.step];
      const next = nextForward(def, index, at.definitionVersion);
      const finished = next < 0;
      return {
        progress: {
          ...at,
          status: finished ? 'completed' : 'running',
          step: finished ? at.step : def.steps[next]!.name,
          completed,
        },
        step: { status: 'done', error: null },
        retryInMs: null,
      };
    }
    const back = nextCompensable(def, at.completed, index);
    return {
      progress: {
        ...at,
        status: back < 0 ? 'failed' : 'compensating',
        phase: back < 0 ? 'forward' : 'compensate',
        step: back < 0 ? at.step : def.steps[back]!.name,
        failureReason: result.reason,
      },
      step: { status: 'failed', error: result.reason },
      retryInMs: null,
    };
  }

  // Compensating: a compensation that "fails" cannot be left half done; it is retried like a retry.
  if (result.outcome === 'fail') {
    return transition(def, at, { outcome: 'retry', reason: result.reason }, attempts);
  }
  const back = nextCompensable(def, at.completed, index);
  return {
    progress: {
      ...at,
      status: back < 0 ? 'compensated' : 'compensating',
      step: back < 0 ? at.step : def.steps[back]!.name,
    },
    step: { status: 'done', error: null },
    retryInMs: null,
  };
}
