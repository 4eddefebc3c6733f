import { loadSqlMigrations } from '#platform/data/migrate.js';
import type { ServiceDefinition } from '#platform/host/service-definition.js';
import { traceRoute } from '#platform/observability/trace-route.js';
import { PERMISSIONS } from '#contracts/permissions.js';
import { SERVICE_PORTS } from '#contracts/services.js';
import { customerDirectory } from './common-client.js';
import { salesHandlers } from './handlers.js';
import { invoiceWriter } from './invoices/create.js';
import { invoiceRoutes } from './invoices/routes.js';

/** Sales: invoices (numbered, checked with Common, posted to the ledger by Common) and their mail. */
export const salesService: ServiceDefinition = {
  name: 'sales',
  port: SERVICE_PORTS.sales,
  migrations: loadSqlMigrations(new URL('./migrations/', import.meta.url)),
  routes(app, deps) {
    invoiceRoutes(app, {
      db: deps.db,
      bus: deps.bus,
      customers: customerDirectory(deps.http),
      writer: invoiceWriter(deps.db, deps.bus),
    });
    traceRoute(app, { service: 'sales', db: deps.db, permission: PERMISSIONS.opsRead });
  },
  handlers: () => salesHandlers(),
};
