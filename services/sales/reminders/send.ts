import type { Db } from '#platform/data/db.js';
import type { JobDefinition } from '#platform/jobs/jobs.js';
import type { Bus } from '#platform/messaging/bus.js';
import { recordActivity } from '#platform/observability/activity.js';
import { SendPaymentReminder } from '#contracts/sales.js';
import { invoiceHeader } from '../invoices/store.js';
import { PAYMENT_REMINDER_JOB, type ReminderData } from './schedule.js';

/**
 * The reminder job: an invoice still issued (not paid, not void) gets `SendPaymentReminder`;
 * Notification mails it once per invoice, however often this job or the command runs.
 */
export function paymentReminderJob(db: Db, bus: Bus): JobDefinition<ReminderData> {
  return {
    name: PAYMENT_REMINDER_JOB,
    async handle({ organizationId, invoiceId }) {
      await db.transaction(async (tx) => {
        const invoice = await invoiceHeader(tx, organizationId, { id: invoiceId });
        if (!invoice || invoice.status !== 'issued') {
          await recordActivity(
            tx,
            'invoice.reminder-skipped',
            { invoiceId, status: invoice?.status ?? 'unknown' },
            { organizationId, correlationId: invoice?.correlationId ?? invoiceId },
          );
          return;
        }
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
      });
    },
  };
}
