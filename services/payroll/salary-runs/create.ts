import { randomUUID } from 'node:crypto';
import type { Principal } from '#platform/auth/claims.js';
import { conflict, unprocessable } from '#platform/http/problem.js';
import type { Work, Written } from '#platform/http/write.js';
import { activeEmployees } from '../employees/store.js';
import { computePayslips } from './payslips.js';
import { getRun, insertRun, type SalaryRun } from './store.js';

/**
 * A draft run for a month: a payslip per active employee, computed now and kept as computed.
 * One run per organization and month (409 for a second).
 */
export async function createSalaryRun(
  work: Work,
  principal: Principal,
  period: string,
  req: { correlationId: string },
): Promise<Written<SalaryRun>> {
  const employees = await activeEmployees(work.tx, principal.organizationId);
  if (employees.length === 0) {
    throw unprocessable('there is no active employee to pay', [
      { in: 'body', path: 'period', message: 'no active employees' },
    ]);
  }
  const { payslips, ...totals } = computePayslips(employees);
  const id = randomUUID();
  const inserted = await insertRun(work.tx, {
    id,
    organizationId: principal.organizationId,
    companyId: principal.companies[0] ?? employees[0]!.companyId,
    period,
    createdBy: principal.subject,
    correlationId: req.correlationId,
    payslips,
    ...totals,
  });
  if (!inserted) throw conflict(`there is already a salary run for ${period}`);
  const run = await getRun(work.tx, principal.organizationId, id);
  return {
    status: 201,
    body: run!,
    activity: {
      action: 'salary-run.created',
      detail: { salaryRunId: id, period, totalNet: totals.totalNet },
    },
  };
}
