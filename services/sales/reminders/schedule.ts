import type { Queryable } from '#platform/data/db.js';
import type { Jobs } from '#platform/jobs/jobs.js';
import { zonedDate } from '#platform/jobs/next-run.js';

/** The sweep's job: one recurring schedule per organization runs it with that organization's id. */
export const REMINDER_SWEEP_JOB = 'payment-reminder-sweep';
/** The queue of the old scheme (a job per invoice), deleted with its pending jobs at start. */
export const RETIRED_REMINDER_JOB = 'payment-reminder';
/** Daily at 09:00, organization time. */
export const REMINDER_SWEEP_CRON = '0 9 * * *';
export const DAYS_BEFORE_DUE = 3;

export interface SweepData {
  organizationId?: string;
  /** The copy queued at start: schedules organizations registered before the sweep existed. */
  atStart?: boolean;
}

export const reminderSweepName = (organizationId: string) => `${REMINDER_SWEEP_JOB}.${organizationId}`;

/** The organization's daily sweep in its zone (idempotent; a new zone moves it). */
export async function scheduleReminderSweep(
  jobs: Jobs,
  organizationId: string,
  timeZone: string,
  tx?: Queryable,
): Promise<void> {
  await jobs.schedule(
    {
      name: reminderSweepName(organizationId),
      queue: REMINDER_SWEEP_JOB,
      cron: REMINDER_SWEEP_CRON,
      timezone: timeZone,
      data: { organizationId },
    },
    tx ? { tx } : {},
  );
}

/**
 * The due dates a sweep at `now` reminds of, in the organization's calendar: from today (a missed
 * day's invoices, not yet due) to `DAYS_BEFORE_DUE` days ahead.
 */
export function reminderWindow(timeZone: string, now = new Date()): { from: string; to: string } {
  const today = zonedDate(now, timeZone);
  const to = new Date(`${today}T00:00:00Z`);
  to.setUTCDate(to.getUTCDate() + DAYS_BEFORE_DUE);
  return { from: today, to: to.toISOString().slice(0, 10) };
}
