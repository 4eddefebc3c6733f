import { SERVICE_PORTS } from '#contracts/services.js';
import { UserCreated, userReplicaRow } from '#contracts/common.js';
import { PERMISSIONS } from '#contracts/permissions.js';
import { loadSqlMigrations } from '#platform/data/migrate.js';
import { upsertReplica } from '#platform/data/replica.js';
import { on } from '#platform/messaging/bus.js';
import type { ServiceDefinition } from '#platform/host/service-definition.js';
import { traceRoute } from '#platform/observability/trace-route.js';
import { employeeRoutes } from './employees/routes.js';
import { salaryRunHandlers } from './salary-runs/handlers.js';
import { salaryRunRoutes } from './salary-runs/routes.js';
import { seedPayroll } from './seed.js';

/** Payroll: employees and monthly salary runs (SalaryPosted -> the ledger, payslips by mail). */
export const payrollService: ServiceDefinition = {
  name: 'payroll',
  port: SERVICE_PORTS.payroll,
  migrations: loadSqlMigrations(new URL('./migrations/', import.meta.url)),
  routes(app, deps) {
    employeeRoutes(app, deps);
    salaryRunRoutes(app, deps);
    traceRoute(app, { service: 'payroll', db: deps.db, permission: PERMISSIONS.opsRead });
  },
  handlers: () => [
    on(UserCreated, 'replicate-user', (m, tx) =>
      upsertReplica(tx, 'user_replica', userReplicaRow(m), m.occurredAt),
    ),
    ...salaryRunHandlers(),
  ],
  seed: (deps) => seedPayroll(deps.db),
};
