import { on, type MessageHandler } from '#platform/messaging/bus.js';
import { only } from '#platform/messaging/contract.js';
import { LedgerPosted } from '#contracts/common.js';
import { markRunAcknowledged } from './store.js';

/** Common booked a posted run: the run shows `posted`. */
export function salaryRunHandlers(): MessageHandler[] {
  return [
    on(only(LedgerPosted, 'salary'), 'payroll.salary-runs.ledger-posted', (m, tx) => {
      const p = m.payload;
      markRunAcknowledged(tx, m.organizationId, p.referenceId, p.journalId, m.correlationId);
      return Promise.resolve();
    }),
  ];
}
