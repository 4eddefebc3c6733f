import { z } from 'zod';
import type { Db } from '#platform/data/db.js';
import type { HttpApp } from '#platform/http/app.js';
import { principalOf } from '#platform/http/authentication.js';
import { decodeCursor, pageQuery, pageSchema, toPage } from '#platform/http/pagination.js';
import { notFound } from '#platform/http/problem.js';
import { runWrite } from '#platform/http/write.js';
import type { Bus } from '#platform/messaging/bus.js';
import { periodSchema } from '#contracts/payroll.js';
import { PERMISSIONS } from '#contracts/permissions.js';
import { createSalaryRun } from './create.js';
import { postSalaryRun } from './post.js';
import { getRun, listRuns, type SalaryRun } from './store.js';

const runSchema = z.object({
  id: z.uuid(),
  period: z.string(),
  status: z.enum(['draft', 'posted']),
  posted: z.boolean().describe('Common has acknowledged the posting'),
  totalGross: z.string(),
  totalDeductions: z.string(),
  totalNet: z.string(),
  postedAt: z.string().nullable(),
  createdAt: z.string(),
  correlationId: z.string().nullable().describe('The thread of its timeline (GET /api/ops/trace/{id})'),
  payslips: z.array(
    z.object({
      employeeId: z.uuid(),
      name: z.string(),
      email: z.string().nullable(),
      gross: z.string(),
      deductions: z.string(),
      net: z.string(),
    }),
  ),
});

const view = (r: SalaryRun): z.infer<typeof runSchema> => ({
  id: r.id,
  period: r.period,
  status: r.status,
  posted: r.posted,
  totalGross: r.totalGross,
  totalDeductions: r.totalDeductions,
  totalNet: r.totalNet,
  postedAt: r.postedAt,
  createdAt: r.createdAt,
  correlationId: r.correlationId,
  payslips: r.payslips,
});

const idParams = z.object({ id: z.uuid() });

/** Salary runs: one per month, computed, then posted to the ledger and mailed as payslips. */
export function salaryRunRoutes(app: HttpApp, deps: { db: Db; bus: Bus }): void {
  app.post(
    '/api/salary-runs',
    {
      config: { permission: PERMISSIONS.payrollWrite, idempotency: 'required' },
      schema: {
        tags: ['salary-runs'],
        summary: 'Compute the payslips of a month (one run per month; 409 for a second)',
        body: z.object({ period: periodSchema }),
        response: { 201: runSchema },
      },
    },
    async (request, reply) => {
      const { body } = await runWrite(deps, request, async (work) => {
        const written = await createSalaryRun(work, principalOf(request), request.body.period, {
          correlationId: request.workContext.correlationId,
        });
        return { ...written, body: view(written.body) };
      });
      return reply.code(201).header('location', `/api/salary-runs/${body.id}`).send(body);
    },
  );

  app.post(
    '/api/salary-runs/:id/post',
    {
      config: { permission: PERMISSIONS.payrollWrite, idempotency: 'optional' },
      schema: {
        tags: ['salary-runs'],
        summary: 'Post a run: the ledger books it and each employee is mailed a payslip (409 once posted)',
        params: idParams,
        response: { 200: runSchema },
      },
    },
    async (request) => {
      const { body } = await runWrite(deps, request, async (work) => {
        const written = await postSalaryRun(work, principalOf(request), request.params.id);
        return { ...written, body: view(written.body) };
      });
      return body;
    },
  );

  app.get(
    '/api/salary-runs/:id',
    {
      config: { permission: PERMISSIONS.payrollRead },
      schema: {
        tags: ['salary-runs'],
        summary: 'A run with its payslips, and whether the ledger has it',
        params: idParams,
        response: { 200: runSchema },
      },
    },
    async (request) => {
      const run = await getRun(deps.db, principalOf(request).organizationId, request.params.id);
      if (!run) throw notFound(`salary run ${request.params.id} does not exist`);
      return view(run);
    },
  );

  app.get(
    '/api/salary-runs',
    {
      config: { permission: PERMISSIONS.payrollRead },
      schema: {
        tags: ['salary-runs'],
        summary: 'Runs, newest month first (without payslips)',
        querystring: pageQuery(),
        response: { 200: pageSchema(runSchema.omit({ payslips: true })) },
      },
    },
    async (request) => {
      const before = decodeCursor(request.query.cursor, z.object({ period: periodSchema }));
      const rows = await listRuns(deps.db, principalOf(request).organizationId, {
        limit: request.query.limit + 1,
        before: before?.period,
      });
      return toPage(
        rows,
        request.query.limit,
        (r) => ({ period: r.period }),
        (r) => {
          const { payslips: _p, ...summary } = view(r);
          return summary;
        },
      );
    },
  );
}
