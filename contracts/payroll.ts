import { z } from 'zod';
import { defineEvent } from '#platform/messaging/contract.js';
import { moneyString } from '#contracts/money.js';

/** A salary run was posted: Common books the expense, Notification mails the payslips. */
export const SalaryPosted = defineEvent({
  type: 'payroll.salary-posted',
  version: 1,
  schema: z.object({
    salaryRunId: z.uuid(),
    /** The month paid, "YYYY-MM". */
    period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected a month as YYYY-MM'),
    totalAmount: moneyString,
    payslips: z.array(
      z.object({
        employeeId: z.uuid(),
        name: z.string().min(1),
        email: z.email().optional(),
        netPay: moneyString,
      }),
    ),
  }),
});
