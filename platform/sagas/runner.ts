import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Db, Tx } from '../data/db.js';
import { LeaseHeartbeat, LeaseLost } from '../data/lease.js';
import { runWithContext } from '../observability/context.js';
import { sagaMetrics } from './metrics.js';
import {
  isActive,
  stepIndex,
  transition,
  type AnySagaDefinition,
  type Progress,
  type StepResult,
} from './saga.js';
import {
  claimInstance,
  finishStep,
  sagaLease,
  type Begun,
  type InstanceRecord,
  type StepAt,
  type StepPositions,
} from './store.js';

export interface InstanceRunnerOptions {
  db: Db;
  log: Logger;
  service: string;
  /** This runner's name on the leases it holds. */
  owner: string;
  leaseMs: number;
  /** The definition of a type; throws for one the service does not declare. */
  definition: (type: string) => AnySagaDefinition;
  /** Each type's step positions by name (kept with a step's attempts, for the history's order). */
  positions: StepPositions;
  /** True once the engine stops: the step after the one running is left to another runner. */
  stopping: () => boolean;
  /** Queues the instance to run again after `delayMs`, in the transaction that records the retry. */
  resumeLater: (
    tx: Tx,
    instance: Pick<InstanceRecord, 'id' | 'organizationId'>,
    delayMs: number,
  ) => Promise<void>;
  /** Told after each recorded change of an instance, and whether its status changed. */
  recorded: (instance: InstanceRecord, statusChanged: boolean) => void;
}

/** Where an instance is, as the step to record an attempt of. */
const stepAt = (def: AnySagaDefinition, p: Progress): StepAt => ({
  phase: p.phase,
  index: stepIndex(def, p.step),
  name: p.step,
});

/**
 * Runs the steps of one instance at a time, forward or compensating alike (the transition decides
 * which comes next): each attempt and outcome recorded before the next starts, under a lease
 * renewed while a step runs.
 */
export class InstanceRunner {
  constructor(private readonly opts: InstanceRunnerOptions) {}

  /**
   * Claims the instance with its step's attempt, and runs step after step: each outcome is
   * recorded with the next step's attempt in one statement (in one transaction with the document's
   * status and a delayed retry when there are any), so a step costs one round trip of bookkeeping.
   */
  async drive(id: string): Promise<void> {
    const { db, owner, leaseMs, positions } = this.opts;
    const claimed = await claimInstance(db, id, owner, leaseMs, positions);
    if (!claimed) return;
    let { instance, begun } = claimed;
    const def = this.opts.definition(instance.type);
    const ctx = {
      correlationId: instance.correlationId ?? id,
      organizationId: instance.organizationId ?? undefined,
    };
    await runWithContext(ctx, async () => {
      for (;;) {
        const after = await this.step(def, instance, begun);
        if (!after) return;
        [instance, begun] = after;
      }
    });
  }

  /**
   * Runs the begun step and records its outcome; returns the instance and the next step's begun
   * attempt when it goes on at once, or null when it finished, waits for a retry, or is let go
   * because the engine stops.
   */
  private async step(
    def: AnySagaDefinition,
    at: InstanceRecord,
    begun: Begun,
  ): Promise<[InstanceRecord, Begun] | null> {
    const { db, log, service, owner } = this.opts;
    const id = at.id;
    const step = def.steps[stepIndex(def, at.step)]!;
    const started = performance.now();
    const stepLog = log.child({ sagaId: id, sagaType: def.type, step: step.name, phase: at.phase });
    const result = await this.attempt(id, () => {
      const run = at.phase === 'forward' ? step.run : step.compensate;
      if (!run) return Promise.resolve({ outcome: 'done' } as StepResult<Record<string, unknown>>);
      return run.call(step, { sagaId: id, state: at.state, attempt: begun.attempts, log: stepLog });
    });
    const labels = { service, type: def.type, step: step.name };
    sagaMetrics.stepDuration.observe(
      { ...labels, outcome: result.outcome },
      (performance.now() - started) / 1000,
    );
    const t = transition(def, at, result, {
      count: begun.attempts,
      firstAt: begun.firstAttemptAt.getTime(),
      now: Date.now(),
    });
    const state = 'state' in result && result.state ? { ...at.state, ...result.state } : at.state;
    const note = result.outcome === 'done' ? (result.note ?? null) : null;
    if (t.step.status === 'retrying') {
      sagaMetrics.stepRetries.inc(labels);
      stepLog.warn(
        { reason: t.step.error, retryInMs: t.retryInMs, attempt: begun.attempts },
        'saga step will retry',
      );
    }
    const goesOn = isActive(t.progress.status) && t.retryInMs === null;
    const mark = { id, owner, version: begun.version, phase: at.phase, step: at.step };
    const then = {
      progress: t.progress,
      state,
      retryInMs: t.retryInMs,
      release: t.retryInMs !== null,
      next: goesOn && !this.opts.stopping() ? stepAt(def, t.progress) : null,
    };
    const statusChanged = t.progress.status !== at.status;
    const recorded =
      statusChanged || t.retryInMs !== null
        ? await db.transaction(async (tx) => {
            const r = await finishStep(tx, mark, { ...t.step, note }, then);
            if (r === null) return null;
            if (statusChanged) {
              await def.onStatus?.(tx, {
                id,
                status: t.progress.status,
                state,
                failureReason: t.progress.failureReason,
              });
            }
            if (t.retryInMs !== null) await this.opts.resumeLater(tx, at, t.retryInMs);
            return r;
          })
        : await finishStep(db, mark, { ...t.step, note }, then);
    if (recorded === null) throw new LeaseLost('the saga instance');
    const instance: InstanceRecord = { ...at, ...t.progress, state, version: recorded.version };
    this.opts.recorded(instance, statusChanged);
    if (!goesOn) return null;
    if (!recorded.next) {
      // The engine is stopping: the next step is left for another runner (or the next start).
      await sagaLease.letGo(db, id, owner);
      return null;
    }
    return [instance, recorded.next];
  }

  /** One run of a step with the lease renewed meanwhile; a throw is an unknown outcome (retry). */
  private async attempt(
    id: string,
    run: () => Promise<StepResult<Record<string, unknown>>>,
  ): Promise<StepResult<Record<string, unknown>>> {
    const { db, owner, leaseMs } = this.opts;
    const heartbeat = new LeaseHeartbeat(
      () => sagaLease.renew(db, id, owner, leaseMs),
      leaseMs,
      'the saga instance',
    );
    try {
      return await run();
    } catch (err) {
      return { outcome: 'retry', reason: err instanceof Error ? err.message : String(err) };
    } finally {
      heartbeat.stop();
      if (heartbeat.isLost) this.opts.log.warn({ sagaId: id }, 'saga lease was lost during a step');
    }
  }
}
