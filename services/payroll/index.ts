import { SERVICE_PORTS } from '#contracts/services.js';
import { userFeed } from '#contracts/common.js';
import { loadSqlMigrations } from '#platform/data/migrate.js';
import type { ServiceDefinition } from '#platform/host/service-definition.js';
import { payrollRoutes } from './routes.js';
import { seedPayroll } from './seed.js';

/** Payroll: employees today; salary runs (SalaryPosted -> ledger, payslips) build on it. */
export const payrollService: ServiceDefinition = {
  name: 'payroll',
  port: SERVICE_PORTS.payroll,
  migrations: loadSqlMigrations(new URL('./migrations/', import.meta.url)),
  routes: (app, deps) => payrollRoutes(app, deps.db),
  users: userFeed,
  seed: (deps) => seedPayroll(deps.db),
};
