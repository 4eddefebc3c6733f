import { z } from 'zod';
import type { HttpApp } from '#platform/http/app.js';
import { principalOf } from '#platform/http/authentication.js';
import { notFound, unprocessable } from '#platform/http/problem.js';
import type { Db } from '#platform/data/db.js';
import type { Jobs } from '#platform/jobs/jobs.js';
import { zonedDate } from '#platform/jobs/next-run.js';
import { PERMISSIONS } from '#contracts/permissions.js';
import { billingSettings } from './organizations.js';
import { PERIOD, periodProblem } from './period.js';
import { startRun } from './start.js';
import { getRun, listRuns, type InvoiceRun } from './store.js';

const period = z.string().regex(PERIOD, 'expected a period YYYY-MM');
const runSchema = z.object({
  id: z.uuid(),
  period: z.string(),
  status: z.enum(['running', 'completed', 'failed']),
  residents: z.number(),
  created: z.number(),
  skipped: z.number(),
  failed: z.number(),
  failures: z.array(z.object({ residentId: z.uuid(), reason: z.string() })),
  reason: z
    .string()
    .nullable()
    .describe(
      'Why a failed run stopped, or what a running run is waiting for (Community or Common unavailable)',
    ),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
const view = ({ organizationId: _org, ...run }: InvoiceRun) => run;

/** Monthly invoice runs: start one for a period (by hand; the schedule starts them on the 1st), follow it. */
export function invoiceRunRoutes(app: HttpApp, deps: { db: Db; jobs: Jobs }): void {
  const { db, jobs } = deps;
  app.post(
    '/api/invoice-runs',
    {
      config: { permission: PERMISSIONS.invoicesWrite },
      schema: {
        tags: ['invoice-runs'],
        summary: 'Start the invoice run of a period (a run already going for it is answered instead)',
        body: z.object({ period }),
        response: { 202: z.object({ id: z.uuid(), period: z.string(), status: runSchema.shape.status }) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { timeZone } = await billingSettings(db, principal.organizationId);
      const problem = periodProblem(request.body.period, timeZone);
      if (problem) throw unprocessable(`${problem}: a run may bill from 12 months back to 1 month ahead.`);
      const { run } = await startRun(db, jobs, {
        organizationId: principal.organizationId,
        period: request.body.period,
        startedBy: principal.subject,
        correlationId: request.workContext.correlationId,
      });
      return reply
        .code(202)
        .header('location', `/api/invoice-runs/${run.id}`)
        .send({ id: run.id, period: run.period, status: run.status });
    },
  );

  app.get(
    '/api/invoice-runs/:id',
    {
      config: { permission: PERMISSIONS.invoicesRead },
      schema: { tags: ['invoice-runs'], params: z.object({ id: z.uuid() }), response: { 200: runSchema } },
    },
    async (request) => {
      const run = await getRun(db, principalOf(request).organizationId, request.params.id);
      if (!run) throw notFound(`No invoice run ${request.params.id}.`);
      return view(run);
    },
  );

  app.get(
    '/api/invoice-runs',
    {
      config: { permission: PERMISSIONS.invoicesRead },
      schema: {
        tags: ['invoice-runs'],
        summary: 'Invoice runs, newest first (failures are listed on each run)',
        querystring: z.object({
          period: period.optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(runSchema) }) },
      },
    },
    async (request) => {
      const { period: p, limit } = request.query;
      const runs = await listRuns(db, principalOf(request).organizationId, {
        limit,
        ...(p ? { period: p } : {}),
      });
      return { items: runs.map(view) };
    },
  );

  app.get(
    '/api/billing-settings',
    {
      config: { permission: PERMISSIONS.invoicesRead },
      schema: {
        tags: ['invoice-runs'],
        summary:
          "The organization's billing settings: its time zone, the day invoices fall due, and today there",
        description:
          "The console shows dates and builds default dates in this zone, not the browser's or UTC.",
        response: {
          200: z.object({
            timeZone: z.string(),
            dueDay: z.number(),
            today: z.string().describe('YYYY-MM-DD'),
          }),
        },
      },
    },
    async (request) => {
      const { timeZone, dueDay } = await billingSettings(db, principalOf(request).organizationId);
      return { timeZone, dueDay, today: zonedDate(new Date(), timeZone) };
    },
  );
}
