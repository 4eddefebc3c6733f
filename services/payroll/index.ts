import { SERVICE_PORTS } from '#contracts/services.js';
import { UserCreated, userReplicaRow } from '#contracts/common.js';
import { loadSqlMigrations } from '#platform/data/migrate.js';
import { upsertReplica } from '#platform/data/replica.js';
import { on } from '#platform/messaging/bus.js';
import type { ServiceDefinition } from '#platform/host/service-definition.js';
import { payrollRoutes } from './routes.js';
import { seedPayroll } from './seed.js';

/** Payroll: employees today; salary runs (SalaryPosted -> ledger, payslips) build on it. */
export const payrollService: ServiceDefinition = {
  name: 'payroll',
  port: SERVICE_PORTS.payroll,
  migrations: loadSqlMigrations(new URL('./migrations/', import.meta.url)),
  routes: (app, deps) => payrollRoutes(app, deps.db),
  handlers: () => [
    on(UserCreated, 'replicate-user', (m, tx) =>
      upsertReplica(tx, 'user_replica', userReplicaRow(m), m.occurredAt),
    ),
  ],
  seed: (deps) => seedPayroll(deps.db),
};
