import { SERVICE_PORTS } from '../../contracts/services.js';
import { UserCreated } from '../../contracts/common.js';
import { loadSqlMigrations } from '../../platform/data/migrate.js';
import { on } from '../../platform/messaging/bus.js';
import type { ServiceDefinition } from '../../platform/host/service-definition.js';
import { payrollRoutes } from './routes.js';
import { seedPayroll } from './seed.js';

/** Payroll: employees today; salary runs (SalaryPosted -> ledger, payslips) build on it. */
export const payrollService: ServiceDefinition = {
  name: 'payroll',
  port: SERVICE_PORTS.payroll,
  migrations: loadSqlMigrations(new URL('./migrations/', import.meta.url)),
  routes: (app, deps) => payrollRoutes(app, deps.db),
  handlers: () => [
    on(UserCreated, 'replicate-user', async (message, tx) => {
      await tx.query(
        `INSERT INTO user_replica (id, organization_id, email, name) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name, updated_at = now()`,
        [message.payload.userId, message.organizationId, message.payload.email, message.payload.name],
      );
    }),
  ],
  seed: (deps) => seedPayroll(deps.db),
};
