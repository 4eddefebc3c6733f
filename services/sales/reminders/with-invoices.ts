import type { Tx } from '#platform/data/db.js';
import type { Jobs } from '#platform/jobs/jobs.js';
import type { NewInvoice } from '../invoices/numbered-insert.js';
import { billingSettings } from '../runs/organizations.js';
import { scheduleReminders } from './schedule.js';

/**
 * What the invoice writer does alongside each group of invoices: their reminder jobs, in the
 * transaction that writes them, at the organization's billing time zone.
 */
export const remindersAlongside =
  (jobs: Jobs) =>
  async (tx: Tx, organizationId: string, invoices: NewInvoice[]): Promise<void> => {
    const { timeZone } = await billingSettings(tx, organizationId);
    await scheduleReminders(
      tx,
      jobs,
      organizationId,
      timeZone,
      invoices.map((i) => ({ id: i.id, dueDate: i.draft.dueDate })),
    );
  };
