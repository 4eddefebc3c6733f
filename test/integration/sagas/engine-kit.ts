import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import type { Db } from '#platform/data/db.js';
import { runMigrations } from '#platform/data/migrate.js';
import type { Jobs } from '#platform/jobs/jobs.js';
import { startJobs, type RunningJobs } from '#platform/jobs/pgboss.js';
import { SagaEngine } from '#platform/sagas/engine.js';
import { sagaMigrations } from '#platform/sagas/migrations.js';
import type { AnySagaDefinition } from '#platform/sagas/saga.js';
import type { Backend } from '../data/backends.js';

export const log = pino({ level: 'silent' });

/** Saga engines on one database, each with its job queue, as processes of one service run them. */
export class Engines {
  private readonly engines: SagaEngine[] = [];
  private readonly queues: RunningJobs[] = [];

  constructor(private readonly db: () => Db) {}

  /** An engine of `definitions` with its queue (the engine needs the queue, the queue its jobs). */
  async start(definitions: AnySagaDefinition[], leaseMs = 2_000): Promise<SagaEngine> {
    const db = this.db();
    const queue: { jobs?: RunningJobs } = {};
    const lazyJobs: Jobs = {
      enqueue: (n, d, o) => queue.jobs!.enqueue(n, d, o),
      cancel: (id) => queue.jobs!.cancel(id),
      enqueueMany: (n, list, o) => queue.jobs!.enqueueMany(n, list, o),
      schedule: (job, o) => queue.jobs!.schedule(job, o),
      unschedule: (name) => queue.jobs!.unschedule(name),
      retire: (name) => queue.jobs!.retire(name),
    };
    const e = new SagaEngine({ service: db.service, db, jobs: lazyJobs, log, definitions, leaseMs });
    const jobs = await startJobs({
      db,
      service: db.service,
      definitions: e.jobDefinitions(),
      log,
      pollIntervalSeconds: 0.5,
      stopTimeoutMs: 5_000,
    });
    queue.jobs = jobs;
    this.engines.push(e);
    this.queues.push(jobs);
    return e;
  }

  /** Stops one engine and its queue, as a deploy stops the old version's process. */
  async stop(e: SagaEngine): Promise<void> {
    const i = this.engines.indexOf(e);
    await e.stop(2_000);
    await this.queues[i]?.stop();
    this.engines.splice(i, 1);
    this.queues.splice(i, 1);
  }

  async stopAll(): Promise<void> {
    for (const e of [...this.engines]) await this.stop(e);
  }
}

/** A fresh database with the saga tables for one suite, and engines on it stopped after it. */
export function sagaSuite(backend: Backend): { db: () => Db; engines: Engines } {
  let db: Db;
  const engines = new Engines(() => db);
  beforeAll(async () => {
    db = await backend.open();
    await runMigrations(db, [sagaMigrations], log);
  });
  afterAll(async () => {
    await engines.stopAll();
    await backend.close();
  });
  return { db: () => db, engines };
}
