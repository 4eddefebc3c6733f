import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '#platform/data/db.js';
import { getInstance, stepsOf } from '#platform/sagas/queries.js';
import type { AnySagaDefinition, StepDefinition } from '#platform/sagas/saga.js';
import { backends } from '../data/backends.js';
import { waitFor } from '../../support/wait.js';
import { sagaSuite } from './engine-kit.js';

type State = Record<string, unknown>;

/**
 * A deploy that changes a saga's steps while instances run: progress is stored by step name, with
 * the definition's version each instance started on, so instances started on v1 resume in v2 at
 * the step they were at, wherever it now is, and all complete.
 */
describe.each(backends())('saga definitions across versions on $name', (backend) => {
  let db: Db;
  const suite = sagaSuite(backend);
  const { engines } = suite;
  /** Steps each instance ran, in order. */
  const ran = new Map<string, string[]>();
  /** Instances the v1 process parks at a step (it keeps answering `retry`), as a deploy finds them. */
  const parkAt = new Map<string, string>();

  const step = (name: string): StepDefinition<State> => ({
    name,
    async run({ sagaId }) {
      if (parkAt.get(sagaId) === name) return { outcome: 'retry', reason: 'parked for the deploy' };
      ran.set(sagaId, [...(ran.get(sagaId) ?? []), name]);
      return { outcome: 'done' };
    },
  });
  const park = { retry: { delaysMs: [3_600_000] } };
  const v1: AnySagaDefinition = {
    type: 'order',
    steps: [step('reserve'), { ...step('charge'), ...park }, { ...step('ship'), ...park }],
  };
  // v2 inserts `check` before `charge` and moves `notify` in ahead of `ship`.
  const v2: AnySagaDefinition = {
    type: 'order',
    version: 2,
    steps: [step('reserve'), step('check'), step('charge'), step('notify'), step('ship')],
  };

  const startOn = async (def: AnySagaDefinition, parkedAt?: string) => {
    const e = await engines.start([def]);
    const id = randomUUID();
    if (parkedAt) parkAt.set(id, parkedAt);
    await db.transaction((tx) => e.start(tx, def.type, { id, state: {} }));
    return { e, id };
  };
  const completed = (id: string) =>
    waitFor(`saga ${id} to complete`, async () => {
      const i = await getInstance(db, id);
      return i?.status === 'completed' ? i : undefined;
    });

  beforeAll(() => {
    db = suite.db();
  });

  it('resumes instances started on v1 at their step in v2 (with a step inserted before it), and all complete', async () => {
    const { e: old, id: atCharge } = await startOn(v1, 'charge');
    const atShip = randomUUID();
    parkAt.set(atShip, 'ship');
    await db.transaction((tx) => old.start(tx, 'order', { id: atShip, state: {} }));
    await waitFor('both parked', async () => {
      const steps = await Promise.all([atCharge, atShip].map((id) => stepsOf(db, id)));
      return steps.every((s) => s.some((r) => r.status === 'retrying'));
    });
    await engines.stop(old);

    // The deploy: v2 runs, and the parked instances are due again (their delay moved, not waited).
    parkAt.clear();
    await db.query(`UPDATE saga_instance SET next_run_at = now() WHERE id = ANY($1::uuid[])`, [
      `{${atCharge},${atShip}}`,
    ]);
    const { e: fresh, id: onV2 } = await startOn(v2);
    await fresh.sweep();
    for (const id of [atCharge, atShip, onV2]) await completed(id);

    // At `charge` when v2 came: `check` (now before it) is in its past; `notify` is ahead, so it ran.
    expect(ran.get(atCharge)).toEqual(['reserve', 'charge', 'notify', 'ship']);
    // At `ship`: nothing inserted before it runs.
    expect(ran.get(atShip)).toEqual(['reserve', 'charge', 'ship']);
    expect(ran.get(onV2)).toEqual(['reserve', 'check', 'charge', 'notify', 'ship']);
    expect((await getInstance(db, atCharge))?.definitionVersion).toBe(1);
    expect((await getInstance(db, onV2))?.definitionVersion).toBe(2);
    expect((await stepsOf(db, atCharge)).map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['reserve', 'done', 1],
      ['charge', 'done', 2],
      ['notify', 'done', 1],
      ['ship', 'done', 1],
    ]);
  });

  it('names the step of an instance stored by index before the upgrade, from the definition that wrote it', async () => {
    const id = randomUUID();
    // Written by the engine before progress by name: at index 1 of v1 (`charge`), `reserve` done,
    // never claimed since (so no history names its step).
    await db.query(
      `INSERT INTO saga_instance (id, type, status, state, step_index, completed_steps, next_run_at)
       VALUES ($1, 'order', 'running', '{}', 1, '{0}', now())`,
      [id],
    );
    const e = await engines.start([v1]);
    e.begin();
    const done = await completed(id);
    expect(done).toMatchObject({ step: 'ship', completed: ['reserve', 'charge', 'ship'] });
    expect(ran.get(id)).toEqual(['charge', 'ship']);
  });
});
