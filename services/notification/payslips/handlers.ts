import { on, type MessageHandler } from '#platform/messaging/bus.js';
import { recordActivity } from '#platform/observability/activity.js';
import { SalaryPosted } from '#contracts/index.js';
import type { Mailer } from '../mail/mailer.js';
import { payslipMail } from './mail.js';

/** Payslips of a posted salary run, to each employee with an email address. */
export function payslipMailHandlers(mailer: Mailer): MessageHandler[] {
  return [
    on(SalaryPosted, 'notification.payslips.salary-posted', async (m, tx) => {
      let skipped = 0;
      const organizationName = await mailer.organizationOf(tx, m);
      for (const slip of m.payload.payslips) {
        if (!slip.email) {
          skipped += 1;
          continue;
        }
        const to = { name: slip.name, email: slip.email };
        const mail = await payslipMail(organizationName, m.payload.period, slip);
        // Once per run and employee, even if the run's fact is published twice.
        const key = `payslip:${m.payload.salaryRunId}:${slip.employeeId}`;
        await mailer.send(tx, m, 'payslip', to, organizationName, mail.data, key, [mail.pdf]);
      }
      if (skipped > 0) recordActivity(tx, 'email.payslips-skipped', { skipped, reason: 'no email address' });
    }),
  ];
}
