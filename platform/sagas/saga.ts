import type { Logger } from 'pino';
import type { Tx } from '../data/db.js';

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

/** Statuses in which the engine still works on an instance. */
export const ACTIVE_STATUSES: readonly SagaStatus[] = ['running', 'compensating', 'needs-attention'];
export const isActive = (s: SagaStatus) => ACTIVE_STATUSES.includes(s);

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
  name: string;
  run(ctx: StepContext<S>): Promise<StepResult<S>>;
  retry?: RetryPolicy;
  /** Undoes the step's effect after a later step failed; retried with the same policy until done. */
  compensate?(ctx: StepContext<S>): Promise<StepResult<S>>;
}

export interface SagaDefinition<S = Record<string, unknown>> {
  /** Unique within the service, e.g. `payment`. */
  type: string;
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
  stepIndex: number;
  /** Indexes of forward steps that completed (the ones a compensation walks back over). */
  completed: number[];
  failureReason: string | null;
}

/** What to do after a step ran: the new progress, the step's own record, and when to run next. */
export interface Transition {
  progress: Progress;
  step: { status: 'done' | 'failed' | 'retrying'; error: string | null };
  /** Delay before the instance runs again; null: at once (the next step), or never (finished). */
  retryInMs: number | null;
}

/** The next step to compensate, walking back from `below` (exclusive); -1 when none is left. */
export function nextCompensable(def: AnySagaDefinition, completed: number[], below: number): number {
  for (let i = below - 1; i >= 0; i--) {
    if (completed.includes(i) && def.steps[i]?.compensate) return i;
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
  const step = def.steps[at.stepIndex];
  if (!step) throw new Error(`saga ${def.type} has no step ${at.stepIndex}`);
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
    const delay = delays[Math.min(attempts.count - 1, delays.length - 1)]!;
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
      const completed = [...at.completed, at.stepIndex];
      const next = at.stepIndex + 1;
      const finished = next >= def.steps.length;
      return {
        progress: {
          ...at,
          status: finished ? 'completed' : 'running',
          stepIndex: finished ? at.stepIndex : next,
          completed,
        },
        step: { status: 'done', error: null },
        retryInMs: null,
      };
    }
    const back = nextCompensable(def, at.completed, at.stepIndex);
    return {
      progress: {
        ...at,
        status: back < 0 ? 'failed' : 'compensating',
        phase: back < 0 ? 'forward' : 'compensate',
        stepIndex: back < 0 ? at.stepIndex : back,
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
  const back = nextCompensable(def, at.completed, at.stepIndex);
  return {
    progress: {
      ...at,
      status: back < 0 ? 'compensated' : 'compensating',
      stepIndex: back < 0 ? at.stepIndex : back,
    },
    step: { status: 'done', error: null },
    retryInMs: null,
  };
}
