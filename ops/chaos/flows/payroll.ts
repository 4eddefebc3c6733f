import { randomUUID } from 'node:crypto';
import { steady, type LoadContext } from './context.js';

/**
 * Salary runs, each computed and posted: one per period and organization, so every run of the
 * tool takes periods far ahead of any real one, from a base year of its own.
 */
export async function payrollFlow(ctx: LoadContext, everyMs: number, baseYear: number): Promise<void> {
  await steady(ctx, everyMs, async (i) => {
    const period = `${baseYear + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
    const created = await ctx.client.call({
      flow: 'salaryRuns',
      op: 'compute',
      base: ctx.url('payroll'),
      method: 'POST',
      path: '/api/salary-runs',
      token: ctx.token('accountant'),
      key: `${ctx.tag}-salary-${period}`,
      body: { period },
    });
    if (created?.status !== 201) return;
    const fact = {
      salaryRunId: created.body.id as string,
      period,
      employees: (created.body.payslips as unknown[]).length,
      posted: false,
    } as {
      salaryRunId: string;
      period: string;
      employees: number;
      postCorrelationId?: string;
      posted: boolean;
    };
    ctx.history.salaryRuns.push(fact);
    const correlationId = randomUUID();
    const posted = await ctx.client.call({
      flow: 'salaryRuns',
      op: 'post',
      base: ctx.url('payroll'),
      method: 'POST',
      path: `/api/salary-runs/${fact.salaryRunId}/post`,
      token: ctx.token('accountant'),
      correlationId,
      accept: [409],
    });
    // 409 on a retry: the first attempt posted it.
    if (posted?.status === 200 || posted?.status === 409) {
      fact.posted = true;
      fact.postCorrelationId = correlationId;
    }
  });
}
