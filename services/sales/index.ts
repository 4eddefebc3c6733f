import { loadSqlMigrations } from '#platform/data/migrate.js';
import type { ServiceDefinition } from '#platform/host/service-definition.js';
import { DEMO_ORGANIZATION } from '#contracts/demo.js';
import { SERVICE_PORTS } from '#contracts/services.js';
import { customerDirectory } from './common-client.js';
import { invoiceWriter } from './invoices/create.js';
import { invoiceHandlers } from './invoices/handlers.js';
import { invoiceRoutes } from './invoices/routes.js';
import { loadPaymentConfig } from './payments/config.js';
import { simulatedGateway } from './payments/gateway.js';
import { paymentRoutes } from './payments/routes.js';
import { paymentSaga } from './payments/saga.js';
import { reminderSweepJob } from './reminders/sweep.js';
import { loadRunConfig } from './runs/config.js';
import { runDirectory } from './runs/directory.js';
import { organizationHandlers } from './runs/handlers.js';
import { invoiceRunJobs } from './runs/jobs.js';
import { registerBillingOrganization } from './runs/organizations.js';
import { invoiceRunRoutes } from './runs/routes.js';
import { reportRoutes } from './reports/routes.js';
import { users } from './users/handlers.js';

/**
 * Sales: invoices (numbered, checked with Common, posted to the ledger by Common), their mail and
 * payments; the monthly invoice run per organization and the payment reminders.
 */
export const salesService: ServiceDefinition = {
  name: 'sales',
  port: SERVICE_PORTS.sales,
  migrations: loadSqlMigrations(new URL('./migrations/', import.meta.url)),
  users,
  // The payment provider takes Sales' API key, not a service token (payments/gateway.ts sends it),
  // and gets a longer breaker (it is slow to recover).
  httpTargets: (env) => ({
    gateway: { auth: false, breakerOpenMs: loadPaymentConfig(env).GATEWAY_BREAKER_OPEN_MS },
  }),
  routes(app, deps) {
    invoiceRoutes(app, {
      db: deps.db,
      bus: deps.bus,
      customers: customerDirectory(deps.http),
      writer: invoiceWriter(deps.db, deps.bus),
    });
    invoiceRunRoutes(app, { db: deps.db, jobs: deps.jobs });
    reportRoutes(app, { db: deps.db, customers: customerDirectory(deps.http) });
    paymentRoutes(app, {
      db: deps.db,
      bus: deps.bus,
      sagas: deps.sagas,
      config: loadPaymentConfig(deps.env),
    });
  },
  handlers: (deps) => [...invoiceHandlers(), ...organizationHandlers(deps.jobs)],
  sagas(deps) {
    const config = loadPaymentConfig(deps.env);
    return [
      paymentSaga({
        db: deps.db,
        bus: deps.bus,
        http: deps.http,
        gateway: simulatedGateway(deps.http, config.GATEWAY_API_KEY),
        retryDelaysMs: config.PAYMENT_RETRY_DELAYS_MS,
        deadlineMs: config.PAYMENT_DEADLINE_MS,
      }),
    ];
  },
  jobs: (deps) => [
    ...invoiceRunJobs({
      db: deps.db,
      bus: deps.bus,
      jobs: deps.jobs,
      directory: runDirectory(deps.http),
      log: deps.log,
      config: loadRunConfig(deps.env),
    }),
    reminderSweepJob({ db: deps.db, bus: deps.bus, jobs: deps.jobs }),
  ],
  // The demo organization's OrganizationRegistered may predate Sales' subscription: bill it anyway.
  seed: (deps) =>
    registerBillingOrganization(deps.db, deps.jobs, {
      organizationId: DEMO_ORGANIZATION.id,
      name: DEMO_ORGANIZATION.name,
    }),
};
