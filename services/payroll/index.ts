import { SERVICE_PORTS } from '#contracts/services.js';
import { loadSqlMigrations } from '#platform/data/migrate.js';
import type { ServiceDefinition } from '#platform/host/service-definition.js';
import { employeeRoutes } from './employees/routes.js';
import { salaryRunHandlers } from './salary-runs/handlers.js';
import { salaryRunRoutes } from './salary-runs/routes.js';
import { seedPayroll } from './seed.js';
import { users } from './users/handlers.js';

/** Payroll: employees and monthly salary runs (SalaryPosted -> the ledger, payslips by mail). */
export const payrollService: ServiceDefinition = {
  name: 'payroll',
  port: SERVICE_PORTS.payroll,
  migrations: loadSqlMigrations(new URL('./migrations/', import.meta.url)),
  users,
  routes(app, deps) {
    employeeRoutes(app, deps);
    salaryRunRoutes(app, deps);
  },
  handlers: () => salaryRunHandlers(),
  seed: (deps) => seedPayroll(deps.db),
};
