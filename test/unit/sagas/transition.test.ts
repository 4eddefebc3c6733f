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
  stepIndex: 0,
  completed: [],
  failureReason: null,
};
const at = (p: Partial<Progress>): Progress => ({ ...start, ...p });
const first = { count: 1, firstAt: 0, now: 0 };

describe('saga transition', () => {
  it('moves to the next step when one is done, and completes after the last', () => {
    const t = transition(saga, start, { outcome: 'done' }, first);
    expect(t.progress).toMatchObject({ status: 'running', stepIndex: 1, completed: [0] });
    expect(t.retryInMs).toBeNull();
    const last = transition(saga, at({ stepIndex: 3, completed: [0, 1, 2] }), { outcome: 'done' }, first);
    expect(last.progress).toMatchObject({ status: 'completed', completed: [0, 1, 2, 3] });
  });

  it('retries with the step’s growing delays, repeating the last', () => {
    const p = at({ stepIndex: 1, completed: [0] });
    const delays = [1, 2, 3, 7].map(
      (count) =>
        transition(saga, p, { outcome: 'retry', reason: 'hang' }, { count, firstAt: 0, now: 10 }).retryInMs,
    );
    expect(delays).toEqual([100, 200, 400, 400]);
  });

  it('flags the saga needs-attention after the deadline and keeps retrying; moving on clears it', () => {
    const p = at({ stepIndex: 1, completed: [0] });
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
      at({ stepIndex: 1, completed: [0] }),
      { outcome: 'fail', reason: 'declined' },
      first,
    );
    expect(t.progress).toMatchObject({ status: 'failed', failureReason: 'declined' });
    expect(t.step).toEqual({ status: 'failed', error: 'declined' });
  });

  it('compensates completed steps backwards after a failure, then ends compensated', () => {
    const failed = transition(
      saga,
      at({ stepIndex: 2, completed: [0, 1] }),
      { outcome: 'fail', reason: 'void' },
      first,
    );
    expect(failed.progress).toMatchObject({ status: 'compensating', phase: 'compensate', stepIndex: 1 });
    const retried = transition(saga, failed.progress, { outcome: 'fail', reason: 'refund hung' }, first);
    expect(retried.progress.status).toBe('compensating');
    expect(retried.retryInMs).toBe(100);
    const undone = transition(saga, failed.progress, { outcome: 'done' }, first);
    expect(undone.progress).toMatchObject({ status: 'compensated', failureReason: 'void' });
  });

  it('turns retries into a failure after maxAttempts', () => {
    const p = at({ stepIndex: 2, completed: [0, 1] });
    expect(transition(saga, p, { outcome: 'retry', reason: 'busy' }, first).retryInMs).toBe(50);
    const t = transition(saga, p, { outcome: 'retry', reason: 'busy' }, { count: 2, firstAt: 0, now: 0 });
    expect(t.progress).toMatchObject({ status: 'compensating', stepIndex: 1 });
    expect(t.progress.failureReason).toContain('gave up after 2 attempts');
  });
});
