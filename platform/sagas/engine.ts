import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db, Tx } from '../data/db.js';
import type { JobDefinition, Jobs } from '../jobs/jobs.js';
import { LeaseLost } from '../data/lease.js';
import { InstanceRunner } from './runner.js';
import type { AnySagaDefinition } from './saga.js';
import { InstanceGauge } from './status-gauge.js';
import { nameIndexedInstances } from './adopt.js';
import { dueInstances } from './queries.js';
import { insertInstance } from './store.js';
import { SagaWatchers, type SagaSnapshot } from './watchers.js';

// Services see the engine's API in this one module.
export type { SagaSnapshot } from './watchers.js';

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
}

export const SAGA_RESUME_JOB = 'sagas-resume';
export const SAGA_SWEEP_JOB = 'sagas-sweep';

/**
 * Runs saga instances: one step at a time, each attempt and outcome recorded before the next
 * starts. A runner holds an instance by a lease (renewed while a step runs) and writes only at the
 * version it read, so two runners (two processes of one service) never run one instance at once.
 * Delayed retries are jobs on the service's queue, written in the transaction that records the
 * retry; a periodic sweep (a cron job, and once at start) picks up anything left behind by a crash.
 */
export class SagaEngine implements Sagas {
  private readonly byType: Map<string, AnySagaDefinition>;
  private readonly running = new Map<string, Promise<void>>();
  private readonly runner: InstanceRunner;
  private readonly watchers: SagaWatchers;
  private readonly gauge: InstanceGauge;
  private readonly leaseMs: number;
  private stopping = false;
  private leaseTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SagaEngineOptions) {
    const { service, db, log } = opts;
    this.byType = new Map(opts.definitions.map((d) => [d.type, d]));
    if (this.byType.size !== opts.definitions.length) throw new Error('a saga type is declared twice');
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.watchers = new SagaWatchers(db, (id) => this.running.has(id));
    this.gauge = new InstanceGauge({ service, db, log, types: [...this.byType.keys()] });
    this.runner = new InstanceRunner({
      db,
      log,
      service,
      owner: `${service}-${process.pid}-${randomUUID().slice(0, 8)}`,
      leaseMs: this.leaseMs,
      definition: (type) => this.definition(type),
      positions: Object.fromEntries(
        opts.definitions.map((d) => [d.type, Object.fromEntries(d.steps.map((s, i) => [s.name, i]))]),
      ),
      stopping: () => this.stopping,
      resumeLater: async (tx, { id, organizationId }, delayMs) => {
        // The organization in the job's data puts the resume in its admin's view (an operator's otherwise).
        const data = organizationId ? { id, organizationId } : { id };
        await opts.jobs.enqueue(SAGA_RESUME_JOB, data, { startAfter: new Date(Date.now() + delayMs), tx });
      },
      recorded: (instance, statusChanged) => {
        this.watchers.notify(instance);
        if (statusChanged) this.gauge.schedule();
      },
    });
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
      step: def.steps[done.length]!.name,
      definitionVersion: def.version ?? 1,
    });
    tx.afterCommit(() => void this.run(init.id));
  }

  watch(id: string, until: (s: SagaSnapshot) => boolean, timeoutMs: number): Promise<SagaSnapshot | null> {
    return this.watchers.watch(id, until, timeoutMs);
  }

  /** Resumes every due instance nobody holds; called at start and by the sweep job. */
  async sweep(): Promise<void> {
    if (this.stopping) return;
    const ids = await dueInstances(this.opts.db, 500);
    await Promise.all(ids.map((id) => this.run(id)));
    await this.gauge.refresh();
  }

  /** Begins the first sweep (resuming what a previous process left) and keeps the gauge fresh. */
  begin(): void {
    const sweep = () =>
      void this.sweep().catch((err: unknown) => this.opts.log.error({ err }, 'saga sweep failed'));
    void nameIndexedInstances(this.opts.db, this.opts.definitions)
      .catch((err: unknown) => this.opts.log.error({ err }, 'could not name indexed saga steps'))
      .then(sweep);
    // Again once the leases a killed predecessor held have run out, rather than at the next cron sweep.
    this.leaseTimer = setTimeout(sweep, this.leaseMs + 100);
    this.leaseTimer.unref();
  }

  /** Takes no new work and waits (up to `timeoutMs`) for the steps in progress. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    this.gauge.stop();
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
    const work = this.runner
      .drive(id)
      .catch((err: unknown) => {
        if (!(err instanceof LeaseLost)) this.opts.log.error({ err, sagaId: id }, 'saga runner failed');
      })
      .finally(() => {
        this.running.delete(id);
        this.watchers.forget(id);
      });
    this.running.set(id, work);
    return work;
  }

  private definition(type: string): AnySagaDefinition {
    const def = this.byType.get(type);
    if (!def) throw new Error(`unknown saga type ${type} in ${this.opts.service}`);
    return def;
  }
}
