import { z } from 'zod';
import type { Db } from '#platform/data/db.js';
import type { HttpApp } from '#platform/http/app.js';
import { principalOf } from '#platform/http/authentication.js';
import { decodeCursor, pageQuery, pageSchema, toPage } from '#platform/http/pagination.js';
import { runWrite } from '#platform/http/write.js';
import type { Bus } from '#platform/messaging/bus.js';
import { moneySchema, positiveMoneySchema } from '#contracts/money.js';
import { PERMISSIONS } from '#contracts/permissions.js';
import { createEmployee } from './create.js';
import { listEmployees } from './store.js';

const employeeSchema = z.object({
  id: z.uuid(),
  companyId: z.uuid(),
  name: z.string(),
  email: z.string().nullable(),
  role: z.string(),
  monthlyGross: z.string(),
  monthlyDeductions: z.string(),
  status: z.enum(['active', 'left']),
  createdAt: z.string(),
});

const nonNegativeMoney = moneySchema.refine((s) => !s.startsWith('-'), {
  message: 'expected an amount of zero or more',
});

/** The society's staff on the payroll. */
export function employeeRoutes(app: HttpApp, deps: { db: Db; bus: Bus }): void {
  app.post(
    '/api/employees',
    {
      config: { permission: PERMISSIONS.payrollWrite, idempotency: 'required' },
      schema: {
        tags: ['employees'],
        summary: 'Put someone on the payroll',
        body: z.object({
          name: z.string().trim().min(1).max(200),
          email: z.email().max(320),
          role: z.string().trim().max(100).optional(),
          monthlyGross: positiveMoneySchema,
          monthlyDeductions: nonNegativeMoney.default('0.00'),
          companyId: z.uuid().optional(),
        }),
        response: { 201: employeeSchema },
      },
    },
    async (request, reply) => {
      const { body } = await runWrite(deps, request, (work) =>
        createEmployee(work, principalOf(request), request.body, request.idempotency?.key ?? null),
      );
      return reply.code(201).header('location', `/api/employees/${body.id}`).send(body);
    },
  );

  app.get(
    '/api/employees',
    {
      config: { permission: PERMISSIONS.payrollRead },
      schema: {
        tags: ['employees'],
        summary: 'Employees (paged by id)',
        querystring: pageQuery(),
        response: { 200: pageSchema(employeeSchema) },
      },
    },
    async (request) => {
      const after = decodeCursor(request.query.cursor, z.object({ id: z.uuid() }));
      const rows = await listEmployees(deps.db, principalOf(request).organizationId, {
        limit: request.query.limit + 1,
        after: after?.id,
      });
      return toPage(
        rows,
        request.query.limit,
        (e) => ({ id: e.id }),
        (e) => e,
      );
    },
  );
}
