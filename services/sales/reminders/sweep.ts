import type { Db } from '#platform/data/db.js';
import type { JobDefinition, Jobs } from '#platform/jobs/jobs.js';
import type { Bus } from '#platform/messaging/bus.js';
import { recordActivity } from '#platform/observability/activity.js';
import { SendPaymentReminder } from '#contracts/sales.js';
import { billingSettings } from '../runs/organizations.js';
import {
  REMINDER_SWEEP_JOB,
  RETIRED_REMINDER_JOB,
  reminderWindow,
  scheduleReminderSweep,
  type SweepData,
} from './schedule.js';
import { billingZones, claimReminders, dueInvoiceIds } from './store.js';

/** Reminders per transaction: a large organization's day is sent in pages, each claimed with its commands. */
const PAGE = 500;

export interface SweepOutcome {
  sent: number;
}

/**
 * One organization's reminders due at `now`: every invoice still issued whose due date is within
 * the next three days (so a missed day is caught up) and not yet reminded of that due date gets
 * `SendPaymentReminder`, written to the outbox with its claim, page by page. Running it again, or
 * beside another run, sends nothing twice.
 */
export async function sweepReminders(
  db: Db,
  bus: Bus,
  organizationId: string,
  now = new Date(),
): Promise<SweepOutcome> {
  const { timeZone } = await billingSettings(db, organizationId);
  const window = reminderWindow(timeZone, now);
  let sent = 0;
  for (;;) {
    const { picked, claimed } = await db.transaction(async (tx) => {
      const ids = await dueInvoiceIds(tx, organizationId, window, PAGE);
      const due = await claimReminders(tx, organizationId, ids);
      for (const invoice of due) {
        await bus.send(
          tx,
          SendPaymentReminder,
          {
            invoiceId: invoice.id,
            number: invoice.number,
            customerId: invoice.customerId,
            customerName: invoice.customerName,
            customerEmail: invoice.customerEmail,
            amount: invoice.amount,
            dueDate: invoice.dueDate,
          },
          {
            organizationId,
            companyId: invoice.companyId,
            correlationId: invoice.correlationId ?? invoice.id,
          },
        );
      }
      if (due.length > 0) {
        recordActivity(
          tx,
          'invoice.reminders-sent',
          { count: due.length, dueFrom: window.from, dueTo: window.to },
          { organizationId, correlationId: `${REMINDER_SWEEP_JOB}:${window.from}` },
        );
      }
      return { picked: ids.length, claimed: due.length };
    });
    sent += claimed;
    if (picked < PAGE) return { sent };
  }
}

/**
 * The sweep's job. A scheduled run (or "Run now" on an organization's schedule) sweeps that
 * organization; the copy queued at start schedules organizations registered before the sweep
 * existed and deletes the old scheme's pending job per invoice (the sweep covers those invoices).
 */
export function reminderSweepJob(deps: { db: Db; bus: Bus; jobs: Jobs }): JobDefinition<SweepData | null> {
  return {
    name: REMINDER_SWEEP_JOB,
    atStart: { data: { atStart: true } },
    retryDelaysSeconds: [60, 300],
    async handle(data) {
      if (data?.organizationId) {
        await sweepReminders(deps.db, deps.bus, data.organizationId);
        return;
      }
      if (!data?.atStart) return;
      for (const org of await billingZones(deps.db)) {
        await scheduleReminderSweep(deps.jobs, org.organizationId, org.timeZone);
      }
      await deps.jobs.retire(RETIRED_REMINDER_JOB);
    },
  };
}
