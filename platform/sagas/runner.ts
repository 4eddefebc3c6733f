import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Db, Tx } from '../data/db.js';
import { runWithContext } from '../observability/context.js';
import { sagaMetrics } from './metrics.js';
import { isActive, transition, type AnySagaDefinition, type Progress, type StepResult } from './saga.js';
import {
  claimInstance,
  finishStep,
  releaseLease,
  renewLease,
  type Begun,
  type InstanceRecord,
  type StepAt,
} from './store.js';

/** Another runner took the instance over (this one's lease ran out): it stops without writing. */
export class LeaseLost extends Error {}

export interface InstanceRunnerOptions {
  db: Db;
  log: Logger;
  service: string;
  /** This runner's name on the leases it holds. */
  owner: string;
  leaseMs: number;
  /** Test hook: `<type>.<step>` kills the process right after that step ran, before its outcome is recorded. */
  crashAfter?: string | undefined;
  /** The definition of a type; throws for one the service does not declare. */
  definition: (type: string) => AnySagaDefinition;
  /** Each type's step names, by index (a claim records its step's attempt under the name). */
  stepNames: Record<string, string[]>;
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
  index: p.stepIndex,
  name: def.steps[p.stepIndex]!.name,
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
    const { db, owner, leaseMs, stepNames } = this.opts;
    const claimed = await claimInstance(db, id, owner, leaseMs, stepNames);
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
    const step = def.steps[at.stepIndex]!;
    const started = performance.now();
    const stepLog = log.child({ sagaId: id, sagaType: def.type, step: step.name, phase: at.phase });
    const result = await this.attempt(id, () => {
      const run = at.phase === 'forward' ? step.run : step.compensate;
      if (!run) return Promise.resolve({ outcome: 'done' } as StepResult<Record<string, unknown>>);
      return run.call(step, { sagaId: id, state: at.state, attempt: begun.attempts, log: stepLog });
    });
    if (this.opts.crashAfter === `${def.type}.${step.name}`) {
      stepLog.warn('test hook: crashing after the step, before its outcome is recorded');
      process.kill(process.pid, 'SIGKILL');
    }
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
    const mark = { id, owner, version: begun.version, phase: at.phase, index: at.stepIndex };
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
    if (recorded === null) throw new LeaseLost();
    const instance: InstanceRecord = { ...at, ...t.progress, state, version: recorded.version };
    this.opts.recorded(instance, statusChanged);
    if (!goesOn) return null;
    if (!recorded.next) {
      // The engine is stopping: the next step is left for another runner (or the next start).
      await releaseLease(db, id, owner);
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
    let lost = false;
    const heartbeat = setInterval(
      () => {
        renewLease(db, id, owner, leaseMs).then(
          (held) => (lost ||= !held),
          () => undefined,
        );
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    try {
      return await run();
    } catch (err) {
      return { outcome: 'retry', reason: err instanceof Error ? err.message : String(err) };
    } finally {
      clearInterval(heartbeat);
      if (lost) this.opts.log.warn({ sagaId: id }, 'saga lease was lost during a step');
    }
  }
}
