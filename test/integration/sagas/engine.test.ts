import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '#platform/data/db.js';
import type { SagaEngine } from '#platform/sagas/engine.js';
import type { AnySagaDefinition, StepResult } from '#platform/sagas/saga.js';
import { getInstance, stepsOf } from '#platform/sagas/queries.js';
import { registry } from '#platform/observability/metrics.js';
import { backends } from '../data/backends.js';
import { sleep, waitFor } from '../../support/wait.js';
import { sagaSuite } from './engine-kit.js';

/**
 * The saga engine on both databases: steps recorded one by one, delayed retries through the job
 * queue, resume after a crash mid-step, and two runners (two processes of one service) never
 * running one step of one instance at the same time.
 */
describe.each(backends())('saga engine on $name', (backend) => {
  let db: Db;
  const suite = sagaSuite(backend);
  const { engines } = suite;
  /** (instance, step) -> runs, and how many runs of one instance were in progress at once. */
  const runs = new Map<string, number>();
  const inFlight = new Map<string, number>();
  let overlap = 0;
  const flaky = new Map<string, number>();

  const step = (name: string, ms = 0) => ({
    name,
    async run(ctx: { sagaId: string }): Promise<StepResult<Record<string, unknown>>> {
      const key = `${ctx.sagaId}:${name}`;
      runs.set(key, (runs.get(key) ?? 0) + 1);
      const now = (inFlight.get(ctx.sagaId) ?? 0) + 1;
      inFlight.set(ctx.sagaId, now);
      if (now > 1) overlap++;
      try {
        if (ms > 0) await sleep(ms);
        return { outcome: 'done', state: { [name]: true } };
      } finally {
        inFlight.set(ctx.sagaId, (inFlight.get(ctx.sagaId) ?? 1) - 1);
      }
    },
  });
  const definitions: AnySagaDefinition[] = [
    { type: 'three', steps: [step('a'), step('b', 20), step('c')] },
    {
      type: 'flaky',
      steps: [
        step('a'),
        {
          name: 'b',
          retry: { delaysMs: [100, 200] },
          async run(ctx) {
            const n = (flaky.get(ctx.sagaId) ?? 0) + 1;
            flaky.set(ctx.sagaId, n);
            return n < 3 ? { outcome: 'retry', reason: `not yet (${n})` } : { outcome: 'done' };
          },
        },
      ],
    },
  ];

  const engine = (leaseMs = 2_000) => engines.start(definitions, leaseMs);
  const begin = (e: SagaEngine, type: string, id = randomUUID()) =>
    db.transaction((tx) => e.start(tx, type, { id, state: { started: true }, organizationId: null }));

  beforeAll(() => {
    db = suite.db();
  });

  it('runs the steps in order, recording each before the next, and reports progress to a watcher', async () => {
    const e = await engine();
    const id = randomUUID();
    const watched = e.watch(id, (s) => s.status === 'completed', 10_000);
    await begin(e, 'three', id);
    const done = await watched;
    expect(done).toMatchObject({ status: 'completed', completedSteps: ['a', 'b', 'c'] });
    const instance = await getInstance(db, id);
    expect(instance).toMatchObject({
      status: 'completed',
      state: { started: true, a: true, b: true, c: true },
    });
    const steps = await stepsOf(db, id);
    expect(steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['a', 'done', 1],
      ['b', 'done', 1],
      ['c', 'done', 1],
    ]);
    expect(steps[1]!.finishedAt!.getTime()).toBeLessThanOrEqual(steps[2]!.firstAttemptAt.getTime());
  });

  it('records the leading steps the starting transaction did as done, runs the rest, and refuses steps out of order', async () => {
    const e = await engine();
    const id = randomUUID();
    const watched = e.watch(id, (s) => s.status === 'completed', 10_000);
    await db.transaction((tx) => e.start(tx, 'three', { id, state: {}, done: ['a'] }));
    expect(await watched).toMatchObject({ status: 'completed', completedSteps: ['a', 'b', 'c'] });
    expect(runs.get(`${id}:a`)).toBeUndefined();
    expect(runs.get(`${id}:b`)).toBe(1);
    const steps = await stepsOf(db, id);
    expect(steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['a', 'done', 1],
      ['b', 'done', 1],
      ['c', 'done', 1],
    ]);
    expect(steps[0]!.note).toMatch(/transaction that started/);

    const refused = randomUUID();
    for (const done of [['b'], ['a', 'b', 'c']]) {
      await expect(
        db.transaction((tx) => e.start(tx, 'three', { id: refused, state: {}, done })),
      ).rejects.toThrow(/leading steps/);
    }
    expect(await getInstance(db, refused)).toBeNull();
  });

  it('retries a step after its delays through the job queue, counting the retries', async () => {
    const e = await engine();
    const id = randomUUID();
    await begin(e, 'flaky', id);
    const done = await e.watch(id, (s) => s.status === 'completed', 20_000);
    expect(done?.status).toBe('completed');
    const b = (await stepsOf(db, id)).find((s) => s.name === 'b')!;
    expect(b).toMatchObject({ status: 'done', attempts: 3 });
    const retries = (await registry.getSingleMetric('dhanman_saga_step_retries_total')!.get()).values.find(
      (v) => v.labels.service === db.service && v.labels.type === 'flaky',
    );
    expect(retries?.value).toBeGreaterThanOrEqual(2);
  });

  it('resumes an instance whose runner died in the middle of a step, once its lease ran out', async () => {
    const e = await engine();
    const id = randomUUID();
    // What a process killed during step b leaves behind: b begun, lease held by the dead runner.
    await db.query(
      `INSERT INTO saga_instance (id, type, status, state, step, completed, lease_owner, lease_until, next_run_at)
       VALUES ($1, 'three', 'running', '{"a": true}', 'b', '{a}', 'dead-runner', now() + interval '1 second', now())`,
      [id],
    );
    await db.query(
      `INSERT INTO saga_step (saga_id, phase, step_index, name, status, attempts, finished_at)
       VALUES ($1, 'forward', 0, 'a', 'done', 1, now()), ($1, 'forward', 1, 'b', 'running', 1, NULL)`,
      [id],
    );
    await e.sweep(); // too early: the dead runner's lease still holds
    expect((await getInstance(db, id))?.status).toBe('running');
    // The dead runner's lease runs out (moved back rather than waited for).
    await db.query(`UPDATE saga_instance SET lease_until = now() - interval '1 second' WHERE id = $1`, [id]);
    await e.sweep();
    const resumed = await waitFor('the resumed saga to complete', async () => {
      const i = await getInstance(db, id);
      return i?.status === 'completed' ? i : undefined;
    });
    expect(resumed.state).toMatchObject({ a: true, b: true, c: true });
    const steps = await stepsOf(db, id);
    expect(steps.map((s) => [s.name, s.attempts])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 1],
    ]);
    expect(runs.get(`${id}:a`)).toBeUndefined();
  });

  it('never lets two runners run one instance at the same time', async () => {
    const [one, two] = [await engine(), await engine()];
    const ids = Array.from({ length: 12 }, () => randomUUID());
    // Written without starting them, then both runners race for every instance.
    await db.transaction(async (tx) => {
      for (const id of ids) {
        await tx.query(
          `INSERT INTO saga_instance (id, type, status, state, step, next_run_at)
           VALUES ($1, 'three', 'running', '{}', 'a', now())`,
          [id],
        );
      }
    });
    const before = overlap;
    await Promise.all(ids.flatMap((id) => [one.run(id), two.run(id), one.sweep(), two.run(id)]));
    await waitFor('all to complete', async () => {
      const { rows } = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM saga_instance WHERE id = ANY($1::uuid[]) AND status = 'completed'`,
        [`{${ids.join(',')}}`],
      );
      return Number(rows[0]!.n) === ids.length;
    });
    expect(overlap - before).toBe(0);
    for (const id of ids) {
      expect(['a', 'b', 'c'].map((s) => runs.get(`${id}:${s}`))).toEqual([1, 1, 1]);
    }
  });
});
