import { describe, expect, it } from 'vitest';
import { transition, type AnySagaDefinition, type Progress } from '#platform/sagas/saga.js';

const noop = () => Promise.resolve({ outcome: 'done' as const });
const saga: AnySagaDefinition = {
  type: 'demo',
  steps: [
    { name: 'check', run: noop },
    { name: 'take', run: noop, compensate: noop, retry: { delaysMs: [100, 200, 400], deadlineMs: 1_000 } },
    { name: 'record', run: noop, retry: { delaysMs: [50], maxAttempts: 2 } },
    { name: 'tell', run: noop },
  ],
};
const start: Progress = {
  status: 'running',
  phase: 'forward',
  step: 'check',
  completed: [],
  failureReason: null,
  definitionVersion: 1,
};
const at = (p: Partial<Progress>): Progress => ({ ...start, ...p });
const first = { count: 1, firstAt: 0, now: 0 };

describe('saga transition', () => {
  it('moves to the next step when one is done, and completes after the last', () => {
    const t = transition(saga, start, { outcome: 'done' }, first);
    expect(t.progress).toMatchObject({ status: 'running', step: 'take', completed: ['check'] });
    expect(t.retryInMs).toBeNull();
    const last = transition(
      saga,
      at({ step: 'tell', completed: ['check', 'take', 'record'] }),
      { outcome: 'done' },
      first,
    );
    expect(last.progress).toMatchObject({
      status: 'completed',
      completed: ['check', 'take', 'record', 'tell'],
    });
  });

  it('retries with the step’s growing delays, repeating the last', () => {
    const p = at({ step: 'take', completed: ['check'] });
    const delays = [1, 2, 3, 7].map(
      (count) =>
        transition(saga, p, { outcome: 'retry', reason: 'hang' }, { count, firstAt: 0, now: 10 }).retryInMs,
    );
    expect(delays).toEqual([100, 200, 400, 400]);
  });

  it('flags the saga needs-attention after the deadline and keeps retrying; moving on clears it', () => {
    const p = at({ step: 'take', completed: ['check'] });
    const late = transition(
      saga,
      p,
      { outcome: 'retry', reason: 'hang' },
      { count: 9, firstAt: 0, now: 1_000 },
    );
    expect(late.progress.status).toBe('needs-attention');
    expect(late.retryInMs).toBe(400);
    const still = transition(
      saga,
      late.progress,
      { outcome: 'retry', reason: 'x' },
      { count: 10, firstAt: 999, now: 999 },
    );
    expect(still.progress.status).toBe('needs-attention');
    const done = transition(saga, late.progress, { outcome: 'done' }, first);
    expect(done.progress.status).toBe('running');
  });

  it('fails at once when nothing completed has a compensation', () => {
    const t = transition(
      saga,
      at({ step: 'take', completed: ['check'] }),
      { outcome: 'fail', reason: 'declined' },
      first,
    );
    expect(t.progress).toMatchObject({ status: 'failed', failureReason: 'declined' });
    expect(t.step).toEqual({ status: 'failed', error: 'declined' });
  });

  it('compensates completed steps backwards after a failure, then ends compensated', () => {
    const failed = transition(
      saga,
      at({ step: 'record', completed: ['check', 'take'] }),
      { outcome: 'fail', reason: 'void' },
      first,
    );
    expect(failed.progress).toMatchObject({ status: 'compensating', phase: 'compensate', step: 'take' });
    const retried = transition(saga, failed.progress, { outcome: 'fail', reason: 'refund hung' }, first);
    expect(retried.progress.status).toBe('compensating');
    expect(retried.retryInMs).toBe(100);
    const undone = transition(saga, failed.progress, { outcome: 'done' }, first);
    expect(undone.progress).toMatchObject({ status: 'compensated', failureReason: 'void' });
  });

  it('turns retries into a failure after maxAttempts', () => {
    const p = at({ step: 'record', completed: ['check', 'take'] });
    expect(transition(saga, p, { outcome: 'retry', reason: 'busy' }, first).retryInMs).toBe(50);
    const t = transition(saga, p, { outcome: 'retry', reason: 'busy' }, { count: 2, firstAt: 0, now: 0 });
    expect(t.progress).toMatchObject({ status: 'compensating', step: 'take' });
    expect(t.progress.failureReason).toContain('gave up after 2 attempts');
  });

  it('goes by step name: a step inserted later runs for an instance that has not passed it', () => {
    const v2: AnySagaDefinition = {
      ...saga,
      version: 2,
      steps: [saga.steps[0]!, { name: 'inserted', run: noop }, ...saga.steps.slice(1)],
    };
    const t = transition(v2, start, { outcome: 'done' }, first);
    expect(t.progress).toMatchObject({ step: 'inserted', completed: ['check'] });
    // An instance already at `take` on v1 resumes there in v2, and goes on to `record`.
    const atTake = transition(v2, at({ step: 'take', completed: ['check'] }), { outcome: 'done' }, first);
    expect(atTake.progress).toMatchObject({ step: 'record', completed: ['check', 'take'] });
  });

  it('skips a step marked `since` a later version for instances started before it', () => {
    const v2: AnySagaDefinition = {
      ...saga,
      version: 2,
      steps: [saga.steps[0]!, { name: 'inserted', since: 2, run: noop }, ...saga.steps.slice(1)],
    };
    expect(transition(v2, start, { outcome: 'done' }, first).progress.step).toBe('take');
    const onV2 = at({ definitionVersion: 2 });
    expect(transition(v2, onV2, { outcome: 'done' }, first).progress.step).toBe('inserted');
  });
});
