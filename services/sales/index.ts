import { loadSqlMigrations } from '#platform/data/migrate.js';
import type { ServiceDefinition } from '#platform/host/service-definition.js';
import { userFeed } from '#contracts/common.js';
import { SERVICE_PORTS } from '#contracts/services.js';
import { customerDirectory } from './common-client.js';
import { invoiceWriter } from './invoices/create.js';
import { invoiceHandlers } from './invoices/handlers.js';
import { invoiceRoutes } from './invoices/routes.js';

/** Sales: invoices (numbered, checked with Common, posted to the ledger by Common) and their mail. */
export const salesService: ServiceDefinition = {
  name: 'sales',
  port: SERVICE_PORTS.sales,
  migrations: loadSqlMigrations(new URL('./migrations/', import.meta.url)),
  users: userFeed,
  routes(app, deps) {
    invoiceRoutes(app, {
      db: deps.db,
      bus: deps.bus,
      customers: customerDirectory(deps.http),
      writer: invoiceWriter(deps.db, deps.bus),
    });
  },
  handlers: () => invoiceHandlers(),
};
