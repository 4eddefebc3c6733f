import type { Queryable } from '#platform/data/db.js';

export interface Employee {
  id: string;
  companyId: string;
  name: string;
  email: string | null;
  role: string;
  monthlyGross: string;
  monthlyDeductions: string;
  status: 'active' | 'left';
  createdAt: string;
}

interface Row {
  id: string;
  company_id: string;
  name: string;
  email: string | null;
  role: string;
  monthly_gross: string;
  monthly_deductions: string;
  status: 'active' | 'left';
  created_at: Date;
}

const COLUMNS = `id, company_id, name, email, role, monthly_gross::text AS monthly_gross,
                 monthly_deductions::text AS monthly_deductions, status, created_at`;

const toEmployee = (r: Row): Employee => ({
  id: r.id,
  companyId: r.company_id,
  name: r.name,
  email: r.email,
  role: r.role,
  monthlyGross: r.monthly_gross,
  monthlyDeductions: r.monthly_deductions,
  status: r.status,
  createdAt: new Date(r.created_at).toISOString(),
});

export async function insertEmployee(
  q: Queryable,
  e: {
    id: string;
    organizationId: string;
    companyId: string;
    name: string;
    email: string;
    role: string;
    monthlyGross: string;
    monthlyDeductions: string;
    idempotencyKey: string | null;
  },
): Promise<Employee> {
  const { rows } = await q.query<Row>(
    `INSERT INTO employee (id, organization_id, company_id, name, email, role, monthly_gross, monthly_deductions,
                           idempotency_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
    [
      e.id,
      e.organizationId,
      e.companyId,
      e.name,
      e.email,
      e.role,
      e.monthlyGross,
      e.monthlyDeductions,
      e.idempotencyKey,
    ],
  );
  return toEmployee(rows[0]!);
}

/** A page of employees by id, after the given one. */
export async function listEmployees(
  q: Queryable,
  organizationId: string,
  page: { limit: number; after?: string | undefined },
): Promise<Employee[]> {
  const { rows } = await q.query<Row>(
    `SELECT ${COLUMNS} FROM employee
      WHERE organization_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`,
    [organizationId, page.after ?? null, page.limit],
  );
  return rows.map(toEmployee);
}

/** Everyone on the payroll this month. */
export async function activeEmployees(q: Queryable, organizationId: string): Promise<Employee[]> {
  const { rows } = await q.query<Row>(
    `SELECT ${COLUMNS} FROM employee WHERE organization_id = $1 AND status = 'active' ORDER BY name, id`,
    [organizationId],
  );
  return rows.map(toEmployee);
}
