import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_PURGE_JOB } from '#platform/host/housekeeping.js';
import { apiOf } from '../../support/api.js';
import { operatorToken } from '../../support/operator.js';
import { dbOf, startTestSystem, type TestSystem } from '../../support/system.js';
import { waitFor } from '../../support/wait.js';

/**
 * The host's purge of idempotency keys is a recurring job on the service's own queue (on the run's
 * PostgreSQL): listed with its schedule, run by the job worker when triggered, removing only keys
 * past their day, and the same when run again. Only an operator sees or triggers it.
 */
describe('idempotency keys purged by a recurring job', () => {
  let system: TestSystem;
  let api: ReturnType<typeof apiOf>;
  let operator = '';
  const scope = `housekeeping-test-${randomUUID()}`;

  beforeAll(async () => {
    system = await startTestSystem({ mode: 'distributed', only: ['common', 'payroll'] });
    api = apiOf(system);
    operator = await operatorToken(system);
  });
  afterAll(async () => {
    await system?.stop();
  });

  const keysLeft = async () =>
    (
      await dbOf(system, 'payroll').query<{ key: string }>(
        'SELECT key FROM idempotency_key WHERE scope = $1 ORDER BY key',
        [scope],
      )
    ).rows.map((r) => r.key);
  const purgeNow = async () => {
    const fired = await api('payroll', 'POST', `/api/ops/jobs/recurring/${IDEMPOTENCY_PURGE_JOB}/trigger`, {
      token: operator,
    });
    expect(fired.status).toBe(202);
    return waitFor(`purge job ${fired.body.jobId} to finish`, async () => {
      const res = await api('payroll', 'GET', `/api/ops/jobs/${fired.body.jobId}`, { token: operator });
      return ['completed', 'failed'].includes(res.body.state) ? res.body : undefined;
    });
  };

  it('is scheduled hourly, and a run removes the keys older than a day and keeps the rest', async () => {
    const listed = (await api('payroll', 'GET', '/api/ops/jobs/recurring', { token: operator })).body.items;
    expect(listed).toContainEqual(
      expect.objectContaining({
        name: IDEMPOTENCY_PURGE_JOB,
        cron: '17 * * * *',
        nextRunAt: expect.any(String),
      }),
    );

    await dbOf(system, 'payroll').query(
      `INSERT INTO idempotency_key (scope, key, request_hash, state, locked_until, created_at)
       VALUES ($1, 'a-two-days-old', 'h', 'completed', now(), now() - interval '2 days'),
              ($1, 'b-an-hour-old', 'h', 'completed', now(), now() - interval '1 hour'),
              ($1, 'c-just-now', 'h', 'in_progress', now() + interval '1 minute', now())`,
      [scope],
    );
    expect(await keysLeft()).toEqual(['a-two-days-old', 'b-an-hour-old', 'c-just-now']);

    expect(await purgeNow()).toMatchObject({ queue: IDEMPOTENCY_PURGE_JOB, state: 'completed' });
    expect(await keysLeft()).toEqual(['b-an-hour-old', 'c-just-now']);

    // Run again: nothing more is past its day, nothing else goes.
    expect(await purgeNow()).toMatchObject({ state: 'completed' });
    expect(await keysLeft()).toEqual(['b-an-hour-old', 'c-just-now']);
  });

  it("is not an organization's to see or trigger", async () => {
    const admin = await system.login('admin@demo.dhanman.local');
    const listed =
      (await api('payroll', 'GET', '/api/ops/jobs/recurring', { token: admin })).body.items ?? [];
    expect(listed.map((j: { name: string }) => j.name)).not.toContain(IDEMPOTENCY_PURGE_JOB);
    const fired = await api('payroll', 'POST', `/api/ops/jobs/recurring/${IDEMPOTENCY_PURGE_JOB}/trigger`, {
      token: admin,
    });
    // Not found, as any job that is not the organization's.
    expect(fired.status).toBe(404);
  });
});
