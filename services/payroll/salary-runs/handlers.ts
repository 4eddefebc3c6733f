import { on, type MessageHandler } from '#platform/messaging/bus.js';
import { recordActivity } from '#platform/observability/activity.js';
import { LedgerPosted } from '#contracts/common.js';
import { markRunAcknowledged } from './store.js';

/** Common booked a posted run: the run shows `posted`. */
export function salaryRunHandlers(): MessageHandler[] {
  return [
    on(LedgerPosted, 'payroll.salary-runs.ledger-posted', async (m, tx) => {
      const p = m.payload;
      if (p.referenceType !== 'salary-run') return;
      const found = await markRunAcknowledged(tx, m.organizationId, p.referenceId, p.journalId);
      await recordActivity(tx, found ? 'salary-run.acknowledged' : 'salary-run.acknowledged-unknown', {
        salaryRunId: p.referenceId,
        journalId: p.journalId,
      });
    }),
  ];
}
