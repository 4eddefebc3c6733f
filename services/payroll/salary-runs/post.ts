import type { Principal } from '#platform/auth/claims.js';
import { conflict, notFound } from '#platform/http/problem.js';
import type { Work, Written } from '#platform/http/write.js';
import { SalaryPosted } from '#contracts/payroll.js';
import { getRun, markRunPosted, type SalaryRun } from './store.js';

/**
 * Posts a draft run: `SalaryPosted` makes Common book it and Notification mail the payslips. A run
 * is posted once (409 after); `posted` turns true when Common acknowledges.
 */
export async function postSalaryRun(
  work: Work,
  principal: Principal,
  id: string,
): Promise<Written<SalaryRun>> {
  const run = await getRun(work.tx, principal.organizationId, id, { lock: true });
  if (!run) throw notFound(`salary run ${id} does not exist`);
  if (run.status !== 'draft') throw conflict(`the salary run for ${run.period} is already posted`);
  await markRunPosted(work.tx, run.id, principal.subject);
  await work.publish(
    SalaryPosted,
    {
      salaryRunId: run.id,
      period: run.period,
      totalGross: run.totalGross,
      totalDeductions: run.totalDeductions,
      totalNet: run.totalNet,
      payslips: run.payslips.map((p) => ({
        employeeId: p.employeeId,
        name: p.name,
        ...(p.email ? { email: p.email } : {}),
        gross: p.gross,
        deductions: p.deductions,
        netPay: p.net,
      })),
    },
    { companyId: run.companyId },
  );
  const after = await getRun(work.tx, principal.organizationId, id);
  return {
    status: 200,
    body: after!,
    activity: { action: 'salary-run.posted', detail: { salaryRunId: id, period: run.period } },
  };
}
