import type { JobDefinition } from '#platform/jobs/jobs.js';
import { executeRun, type RunDeps } from './execute.js';
import { billingSettings, MONTHLY_RUN_JOB } from './organizations.js';
import { currentPeriod } from './period.js';
import { INVOICE_RUN_JOB, startRun, type InvoiceRunJobData } from './start.js';
import { resumableRuns } from './store.js';

export const RUN_SWEEP_JOB = 'invoice-run-sweep';

interface SweepData {
  /** The sweep at start: runs whose lease is still held are queued for when it lapses. */
  atStart?: boolean;
}

/**
 * The run's jobs: the monthly schedule (per organization, in its zone) opens the run of the
 * period it is there; `invoice-run` does the work; a sweep resumes runs whose worker died (Sales
 * killed mid-run): at start, each running run from the moment its lease lapses, then every minute
 * those whose lease has lapsed.
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
    concurrency: deps.config.INVOICE_RUN_CONCURRENCY,
    handle: ({ runId }) => executeRun(deps, runId),
  };
  const sweep: JobDefinition<SweepData | null> = {
    name: RUN_SWEEP_JOB,
    cron: '* * * * *',
    atStart: { data: { atStart: true } },
    retryDelaysSeconds: [],
    async handle(data) {
      const now = Date.now();
      for (const run of await resumableRuns(deps.db, { held: data?.atStart === true })) {
        // A moment after the lease lapses, so the claim finds it lapsed by the database's clock too.
        const lapses =
          run.leaseUntil && run.leaseUntil.getTime() > now
            ? new Date(run.leaseUntil.getTime() + 1_000)
            : undefined;
        // A worker still alive renews its lease: the queued job then finds it held and does nothing.
        await deps.jobs.enqueue<InvoiceRunJobData>(
          INVOICE_RUN_JOB,
          { runId: run.id, organizationId: run.organizationId },
          { singletonKey: `run:${run.id}`, ...(lapses ? { startAfter: lapses } : {}) },
        );
      }
    },
  };
  return [monthly as JobDefinition, work as JobDefinition, sweep as JobDefinition];
}
