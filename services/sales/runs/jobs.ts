import type { JobDefinition } from '#platform/jobs/jobs.js';
import { executeRun, type RunDeps } from './execute.js';
import { billingSettings, MONTHLY_RUN_JOB } from './organizations.js';
import { currentPeriod } from './period.js';
import { INVOICE_RUN_JOB, startRun, type InvoiceRunJobData } from './start.js';
import { lapsedRuns } from './store.js';

export const RUN_SWEEP_JOB = 'invoice-run-sweep';

/**
 * The run's jobs: the monthly schedule (per organization, in its zone) opens the run of the
 * period it is there; `invoice-run` does the work; a sweep every minute resumes runs whose worker
 * died (Sales killed mid-run), after their lease lapsed.
 */
export function invoiceRunJobs(deps: RunDeps): JobDefinition[] {
  const monthly: JobDefinition<{ organizationId: string }> = {
    name: MONTHLY_RUN_JOB,
    retryDelaysSeconds: [60, 300],
    async handle({ organizationId }) {
      const { timeZone } = await billingSettings(deps.db, organizationId);
      await startRun(deps.db, deps.jobs, {
        organizationId,
        period: currentPeriod(timeZone),
        startedBy: 'schedule',
      });
    },
  };
  const work: JobDefinition<InvoiceRunJobData> = {
    name: INVOICE_RUN_JOB,
    // The run records its own failure (and is resumed by the sweep or started again): no blind retry.
    retryDelaysSeconds: [],
    handle: ({ runId }) => executeRun(deps, runId),
  };
  const sweep: JobDefinition = {
    name: RUN_SWEEP_JOB,
    cron: '* * * * *',
    retryDelaysSeconds: [],
    async handle() {
      for (const run of await lapsedRuns(deps.db)) {
        await deps.jobs.enqueue<InvoiceRunJobData>(
          INVOICE_RUN_JOB,
          { runId: run.id },
          { singletonKey: `run:${run.id}` },
        );
      }
    },
  };
  return [monthly as JobDefinition, work as JobDefinition, sweep];
}
