import { describe, expect, it } from 'vitest';
import { buildPolicies, DEFAULT_RESILIENCE } from '#platform/http/resilience.js';

describe('an open breaker', () => {
  it('tells how much of its open time is left, and nothing once it lets a call through', async () => {
    const policies = buildPolicies({
      ...DEFAULT_RESILIENCE,
      retryDelaysMs: [],
      breakerThreshold: 1,
      breakerOpenMs: 200,
    });
    expect(policies.reopensInMs()).toBe(0);
    await policies.single.execute(() => ({ status: 503, headers: {}, text: '' }));
    const rest = policies.reopensInMs();
    expect(rest).toBeGreaterThan(150);
    expect(rest).toBeLessThanOrEqual(200);
    await new Promise((r) => setTimeout(r, rest + 5));
    await policies.single.execute(() => ({ status: 200, headers: {}, text: '' }));
    expect(policies.reopensInMs()).toBe(0);
  });
});
