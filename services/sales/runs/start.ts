import { randomUUID } from 'node:crypto';
import type { Db } from '#platform/data/db.js';
import type { Jobs } from '#platform/jobs/jobs.js';
import { recordActivity } from '#platform/observability/activity.js';
import { openRun, type RunRow } from './store.js';

export const INVOICE_RUN_JOB = 'invoice-run';

export interface InvoiceRunJobData {
  runId: string;
  /** Whose run it is: the job shows in that organization's admin's view of jobs. */
  organizationId: string;
}

/**
 * Opens a run of a period and queues its work in the same transaction; a second start while one
 * runs gets that run (the unique index on running runs decides, not a look before the write).
 */
export async function startRun(
  db: Db,
  jobs: Jobs,
  req: { organizationId: string; period: string; startedBy: string | null; correlationId?: string },
): Promise<{ run: RunRow; opened: boolean }> {
  return db.transaction(async (tx) => {
    const id = randomUUID();
    const { row, opened } = await openRun(tx, { id, ...req });
    if (opened) {
      await jobs.enqueue<InvoiceRunJobData>(
        INVOICE_RUN_JOB,
        { runId: id, organizationId: req.organizationId },
        { tx, singletonKey: `run:${id}` },
      );
      recordActivity(
        tx,
        'invoice-run.started',
        { runId: id, period: req.period, startedBy: req.startedBy },
        { organizationId: req.organizationId, correlationId: req.correlationId ?? id },
      );
    }
    return { run: row, opened };
  });
}
