import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Db, Tx } from '../data/db.js';
import type { JobDefinition, Jobs } from '../jobs/jobs.js';
import { runWithContext } from '../observability/context.js';
import { sagaMetrics } from './metrics.js';
import {
  SAGA_STATUSES,
  isActive,
  transition,
  type AnySagaDefinition,
  type Progress,
  type SagaStatus,
  type StepResult,
} from './saga.js';
import {
  claimInstance,
  countByStatus,
  dueInstances,
  finishStep,
  getInstance,
  insertInstance,
  releaseLease,
  renewLease,
  type Begun,
  type InstanceRecord,
  type StepAt,
} from './store.js';

/** What a watcher sees after each recorded change of an instance. */
export interface SagaSnapshot {
  id: string;
  status: SagaStatus;
  state: Record<string, unknown>;
  failureReason: string | null;
  /** Names of the forward steps done so far. */
  completedSteps: string[];
}

/** What a service's code uses: start an instance with its own writes, and watch it. */
export interface Sagas {
  /**
   * Writes a new instance in the caller's transaction; it runs once that transaction commits.
   * `done` names the leading steps the caller did in that transaction (validation, typically):
   * they are recorded done and the instance starts at the step after them.
   */
  start<S>(tx: Tx, type: string, init: SagaStart<S>): Promise<void>;
  /** Resolves with the first snapshot that satisfies `until`, or the latest one after `timeoutMs`. */
  watch(id: string, until: (s: SagaSnapshot) => boolean, timeoutMs: number): Promise<SagaSnapshot | null>;
}

export interface SagaStart<S> {
  id: string;
  state: S;
  organizationId?: string | null;
  correlationId?: string | null;
  done?: readonly string[];
}

export interface SagaEngineOptions {
  service: string;
  db: Db;
  jobs: Jobs;
  log: Logger;
  definitions: ReadonlyArray<AnySagaDefinition>;
  /** How long a runner holds an instance without renewing (renewed every third of it while a step runs). */
  leaseMs?: number;
  /** Test hook: `<type>.<step>` kills the process right after that step ran, before its outcome is recorded. */
  crashAfter?: string | undefined;
}

export const SAGA_RESUME_JOB = 'sagas-resume';
export const SAGA_SWEEP_JOB = 'sagas-sweep';

class LeaseLost extends Error {}

/** Where an instance is, as the step to record an attempt of. */
const stepAt = (def: AnySagaDefinition, p: Progress): StepAt => ({
  phase: p.phase,
  index: p.stepIndex,
  name: def.steps[p.stepIndex]!.name,
});

/**
 * Runs saga instances: one step at a time, each attempt and outcome recorded before the next
 * starts. A runner holds an instance by a lease (renewed while a step runs) and writes only at the
 * version it read, so two runners (two processes of one service) never run one instance at once.
 * Delayed retries are jobs on the service's queue, written in the transaction that records the
 * retry; a periodic sweep (a cron job, and once at start) picks up anything left behind by a crash.
 */
export class SagaEngine implements Sagas {
  private readonly owner: string;
  private readonly byType: Map<string, AnySagaDefinition>;
  private readonly stepNames: Record<string, string[]>;
  /** The last snapshot of each instance this process runs now (what a new watcher has missed). */
  private readonly snapshots = new Map<string, SagaSnapshot>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly watchers = new Map<string, Set<(s: SagaSnapshot) => void>>();
  private readonly leaseMs: number;
  private stopping = false;
  private gaugeTimer: NodeJS.Timeout | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SagaEngineOptions) {
    this.owner = `${opts.service}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.byType = new Map(opts.definitions.map((d) => [d.type, d]));
    this.stepNames = Object.fromEntries(opts.definitions.map((d) => [d.type, d.steps.map((s) => s.name)]));
    if (this.byType.size !== opts.definitions.length) throw new Error('a saga type is declared twice');
    this.leaseMs = opts.leaseMs ?? 30_000;
  }

  /** The jobs the engine runs on: delayed resumes and the periodic sweep. */
  jobDefinitions(): JobDefinition[] {
    return [
      {
        name: SAGA_RESUME_JOB,
        retryDelaysSeconds: [],
        handle: async (data) => this.run((data as { id: string }).id),
      },
      { name: SAGA_SWEEP_JOB, cron: '* * * * *', retryDelaysSeconds: [], handle: () => this.sweep() },
    ];
  }

  async start<S>(tx: Tx, type: string, init: SagaStart<S>): Promise<void> {
    // An unknown type, or steps named done out of order, fail here, in the caller's transaction.
    const def = this.definition(type);
    const done = init.done ?? [];
    if (done.length >= def.steps.length || done.some((name, i) => def.steps[i]!.name !== name))
      throw new Error(`${type}: [${done.join(', ')}] are not leading steps with one left to run`);
    await insertInstance(tx, {
      id: init.id,
      type,
      state: init.state,
      organizationId: init.organizationId ?? null,
      correlationId: init.correlationId ?? null,
      done,
    });
    tx.afterCommit(() => void this.run(init.id));
  }

  async watch(
    id: string,
    until: (s: SagaSnapshot) => boolean,
    timeoutMs: number,
  ): Promise<SagaSnapshot | null> {
    let latest: SagaSnapshot | null = null;
    let resolveWith: (s: SagaSnapshot | null) => void = () => undefined;
    const done = new Promise<SagaSnapshot | null>((resolve) => (resolveWith = resolve));
    const listener = (s: SagaSnapshot) => {
      latest = s;
      if (until(s)) resolveWith(s);
    };
    const set = this.watchers.get(id) ?? new Set();
    set.add(listener);
    this.watchers.set(id, set);
    const timer = setTimeout(() => resolveWith(latest), timeoutMs);
    // What happened before the watch began, and now and then what another runner (process) did.
    // While this process runs the instance, its runner tells every change: nothing to read.
    const look = async () => {
      if (this.running.has(id)) {
        const known = this.snapshots.get(id);
        if (known) listener(known);
        return;
      }
      const current = await getInstance(this.opts.db, id).catch(() => null);
      if (current) listener(this.snapshot(current));
    };
    const poll = setInterval(() => void look(), 500);
    try {
      await look();
      return await done;
    } finally {
      clearTimeout(timer);
      clearInterval(poll);
      set.delete(listener);
      if (set.size === 0) this.watchers.delete(id);
    }
  }

  /** Resumes every due instance nobody holds; called at start and by the sweep job. */
  async sweep(): Promise<void> {
    if (this.stopping) return;
    const ids = await dueInstances(this.opts.db, 500);
    await Promise.all(ids.map((id) => this.run(id)));
    await this.refreshGauge();
  }

  /** Begins the first sweep (resuming what a previous process left) and keeps the gauge fresh. */
  begin(): void {
    const sweep = () =>
      void this.sweep().catch((err: unknown) => this.opts.log.error({ err }, 'saga sweep failed'));
    sweep();
    // Again once the leases a killed predecessor held have run out, rather than at the next cron sweep.
    this.leaseTimer = setTimeout(sweep, this.leaseMs + 100);
    this.leaseTimer.unref();
  }

  /** Takes no new work and waits (up to `timeoutMs`) for the steps in progress. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.gaugeTimer);
    clearTimeout(this.leaseTimer);
    await Promise.race([
      Promise.allSettled([...this.running.values()]),
      new Promise((r) => setTimeout(r, timeoutMs).unref()),
    ]);
  }

  /** Runs an instance until it finishes, waits for a retry, or another runner has it. */
  run(id: string): Promise<void> {
    const existing = this.running.get(id);
    if (existing || this.stopping) return existing ?? Promise.resolve();
    const work = this.drive(id)
      .catch((err: unknown) => {
        if (!(err instanceof LeaseLost)) this.opts.log.error({ err, sagaId: id }, 'saga runner failed');
      })
      .finally(() => {
        this.running.delete(id);
        this.snapshots.delete(id);
      });
    this.running.set(id, work);
    return work;
  }

  /**
   * Claims the instance with its step's attempt, and runs step after step: each outcome is
   * recorded with the next step's attempt in one statement (in one transaction with the document's
   * status and a delayed retry when there are any), so a step costs one round trip of bookkeeping.
   */
  private async drive(id: string): Promise<void> {
    const { db } = this.opts;
    const claimed = await claimInstance(db, id, this.owner, this.leaseMs, this.stepNames);
    if (!claimed) return;
    let { instance, begun } = claimed;
    const def = this.definition(instance.type);
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
    const { db, log, service } = this.opts;
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
    const mark = { id, owner: this.owner, version: begun.version, phase: at.phase, index: at.stepIndex };
    const then = {
      progress: t.progress,
      state,
      retryInMs: t.retryInMs,
      release: t.retryInMs !== null,
      next: goesOn && !this.stopping ? stepAt(def, t.progress) : null,
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
            if (t.retryInMs !== null) {
              await this.opts.jobs.enqueue(
                SAGA_RESUME_JOB,
                { id },
                { startAfter: new Date(Date.now() + t.retryInMs), tx },
              );
            }
            return r;
          })
        : await finishStep(db, mark, { ...t.step, note }, then);
    if (recorded === null) throw new LeaseLost();
    const instance: InstanceRecord = { ...at, ...t.progress, state, version: recorded.version };
    this.notify(instance);
    if (statusChanged) this.scheduleGauge();
    if (!goesOn) return null;
    if (!recorded.next) {
      // The engine is stopping: the next step is left for another runner (or the next start).
      await releaseLease(db, id, this.owner);
      return null;
    }
    return [instance, recorded.next];
  }

  /** One run of a step with the lease renewed meanwhile; a throw is an unknown outcome (retry). */
  private async attempt(
    id: string,
    run: () => Promise<StepResult<Record<string, unknown>>>,
  ): Promise<StepResult<Record<string, unknown>>> {
    let lost = false;
    const heartbeat = setInterval(
      () => {
        renewLease(this.opts.db, id, this.owner, this.leaseMs).then(
          (held) => (lost ||= !held),
          () => undefined,
        );
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
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

  private snapshot(i: InstanceRecord): SagaSnapshot {
    const def = this.byType.get(i.type);
    return {
      id: i.id,
      status: i.status,
      state: i.state,
      failureReason: i.failureReason,
      completedSteps: i.completed.map((n) => def?.steps[n]?.name ?? String(n)),
    };
  }

  private notify(i: InstanceRecord): void {
    const s = this.snapshot(i);
    this.snapshots.set(i.id, s);
    for (const l of [...(this.watchers.get(i.id) ?? [])]) l(s);
  }

  private definition(type: string): AnySagaDefinition {
    const def = this.byType.get(type);
    if (!def) throw new Error(`unknown saga type ${type} in ${this.opts.service}`);
    return def;
  }

  /** The gauge is recounted at most once a second, after a change of status. */
  private scheduleGauge(): void {
    if (this.gaugeTimer || this.stopping) return;
    this.gaugeTimer = setTimeout(() => {
      this.gaugeTimer = undefined;
      void this.refreshGauge();
    }, 1_000);
    this.gaugeTimer.unref();
  }

  async refreshGauge(): Promise<void> {
    const { service } = this.opts;
    try {
      const counts = await countByStatus(this.opts.db);
      for (const type of this.byType.keys()) {
        for (const status of SAGA_STATUSES) {
          const n = counts.find((c) => c.type === type && c.status === status)?.n ?? 0;
          sagaMetrics.instances.set({ service, type, status }, n);
        }
      }
    } catch (err) {
      this.opts.log.warn({ err }, 'could not count saga instances');
    }
  }
}
