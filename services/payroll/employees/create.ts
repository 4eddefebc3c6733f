import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { Principal } from '#platform/auth/claims.js';
import { unprocessable } from '#platform/http/problem.js';
import type { Work, Written } from '#platform/http/write.js';
import { insertEmployee, type Employee } from './store.js';

export interface CreateEmployeeBody {
  name: string;
  email: string;
  role?: string | undefined;
  monthlyGross: string;
  monthlyDeductions: string;
  companyId?: string | undefined;
}

/** Puts someone on the payroll; what is deducted can never exceed the gross pay. */
export async function createEmployee(
  work: Work,
  principal: Principal,
  body: CreateEmployeeBody,
  idempotencyKey: string | null,
): Promise<Written<Employee>> {
  const companyId = body.companyId ?? principal.companies[0];
  if (!companyId || !principal.companies.includes(companyId)) {
    throw unprocessable(`company ${body.companyId ?? '(default)'} is not one of yours`, [
      { in: 'body', path: 'companyId', message: 'unknown company' },
    ]);
  }
  if (new Decimal(body.monthlyDeductions).greaterThan(body.monthlyGross)) {
    throw unprocessable('monthlyDeductions cannot exceed monthlyGross', [
      { in: 'body', path: 'monthlyDeductions', message: 'more than the gross pay' },
    ]);
  }
  const employee = await insertEmployee(work.tx, {
    id: randomUUID(),
    organizationId: principal.organizationId,
    companyId,
    name: body.name,
    email: body.email,
    role: body.role ?? '',
    monthlyGross: body.monthlyGross,
    monthlyDeductions: body.monthlyDeductions,
    idempotencyKey,
  });
  return {
    status: 201,
    body: employee,
    activity: { action: 'employee.created', detail: { employeeId: employee.id } },
  };
}
