import { z } from 'zod';
import { PERMISSIONS } from '#contracts/permissions.js';
import type { Db } from '#platform/data/db.js';
import type { HttpApp } from '#platform/http/app.js';
import { principalOf } from '#platform/http/authentication.js';
import { decodeCursor, pageQuery, pageSchema, toPage } from '#platform/http/pagination.js';

const employeeSchema = z.object({
  id: z.uuid(),
  companyId: z.uuid(),
  name: z.string(),
  role: z.string(),
  monthlySalary: z.string(),
  status: z.enum(['active', 'left']),
});

interface EmployeeRow {
  id: string;
  company_id: string;
  name: string;
  role: string;
  monthly_salary: string;
  status: 'active' | 'left';
}

/** The society's staff on the payroll. */
export function payrollRoutes(app: HttpApp, db: Db): void {
  app.get(
    '/api/employees',
    {
      config: { permission: PERMISSIONS.payrollRead },
      schema: {
        summary: 'Employees (paged by id)',
        querystring: pageQuery(),
        response: { 200: pageSchema(employeeSchema) },
      },
    },
    async (request) => {
      const after = decodeCursor(request.query.cursor, z.object({ id: z.uuid() }));
      const { rows } = await db.query<EmployeeRow>(
        `SELECT id, company_id, name, role, monthly_salary, status FROM employee
         WHERE organization_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`,
        [principalOf(request).organizationId, after?.id ?? null, request.query.limit + 1],
      );
      return toPage(
        rows,
        request.query.limit,
        (r) => ({ id: r.id }),
        (r) => ({
          id: r.id,
          companyId: r.company_id,
          name: r.name,
          role: r.role,
          monthlySalary: r.monthly_salary,
          status: r.status,
        }),
      );
    },
  );
}
