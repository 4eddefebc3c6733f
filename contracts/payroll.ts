import { z } from 'zod';
import { defineEvent } from '#platform/messaging/contract.js';
import { moneyString } from '#contracts/money.js';

/** A month as "YYYY-MM" (01 to 12). */
export const periodSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected a month as YYYY-MM');

const payslipV1 = z.object({
  employeeId: z.uuid(),
  name: z.string().min(1),
  email: z.email().optional(),
  netPay: moneyString,
});

/**
 * A salary run was posted: Common books the expense (Dr 5100 gross, Cr 2200 net, Cr 2300
 * deductions), Notification mails each employee a payslip with a PDF. Version 2 carries gross and
 * deductions, which version 1 lacked; a version-1 message is read as a run without deductions.
 */
export const SalaryPosted = defineEvent({
  type: 'payroll.salary-posted',
  version: 2,
  schema: z
    .object({
      salaryRunId: z.uuid(),
      period: periodSchema,
      totalGross: moneyString,
      totalDeductions: moneyString,
      totalNet: moneyString,
      payslips: z.array(
        z.object({
          employeeId: z.uuid(),
          name: z.string().min(1),
          email: z.email().optional(),
          gross: moneyString,
          deductions: moneyString,
          netPay: moneyString,
        }),
      ),
    })
    .refine(
      (p) => {
        const cents = (s: string) => BigInt(s.replace('.', ''));
        return cents(p.totalGross) === cents(p.totalNet) + cents(p.totalDeductions);
      },
      { message: 'totalGross must equal totalNet + totalDeductions', path: ['totalGross'] },
    ),
  upcasters: {
    1: (payload) => {
      const v1 = z
        .object({
          salaryRunId: z.uuid(),
          period: periodSchema,
          totalAmount: moneyString,
          payslips: z.array(payslipV1),
        })
        .parse(payload);
      return {
        salaryRunId: v1.salaryRunId,
        period: v1.period,
        totalGross: v1.totalAmount,
        totalDeductions: '0.00',
        totalNet: v1.totalAmount,
        payslips: v1.payslips.map((s) => ({ ...s, gross: s.netPay, deductions: '0.00' })),
      };
    },
  },
});
