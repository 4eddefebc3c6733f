import type { Queryable } from '#platform/data/db.js';
import type { Jobs } from '#platform/jobs/jobs.js';
import { zonedInstant } from '#platform/jobs/next-run.js';

export const PAYMENT_REMINDER_JOB = 'payment-reminder';
const DAYS_BEFORE_DUE = 3;
const AT = '09:00';

export interface ReminderData {
  organizationId: string;
  invoiceId: string;
}

/** 09:00 in the organization's zone, three days before the due date; null when that is already past. */
export function reminderMoment(dueDate: string, timeZone: string, now = new Date()): Date | null {
  const day = new Date(`${dueDate}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() - DAYS_BEFORE_DUE);
  const at = zonedInstant(day.toISOString().slice(0, 10), AT, timeZone);
  return at.getTime() > now.getTime() ? at : null;
}

/**
 * Queues the reminders of new invoices in the transaction that writes them (pg-boss's insert runs
 * on that transaction): an invoice and its reminder exist together or not at all.
 */
export async function scheduleReminders(
  tx: Queryable,
  jobs: Jobs,
  organizationId: string,
  timeZone: string,
  invoices: ReadonlyArray<{ id: string; dueDate: string }>,
  now = new Date(),
): Promise<number> {
  const queued = invoices.flatMap((inv) => {
    const at = reminderMoment(inv.dueDate, timeZone, now);
    if (!at) return [];
    const data: ReminderData = { organizationId, invoiceId: inv.id };
    return [{ data, startAfter: at, singletonKey: `reminder:${inv.id}` }];
  });
  await jobs.enqueueMany(PAYMENT_REMINDER_JOB, queued, { tx });
  return queued.length;
}
