import { loadSqlMigrations } from '#platform/data/migrate.js';
import type { ServiceDefinition } from '#platform/host/service-definition.js';
import { userFeed } from '#contracts/common.js';
import { SERVICE_PORTS } from '#contracts/services.js';
import { emailRoutes } from './emails/routes.js';
import { invoiceMailHandlers } from './invoices/handlers.js';
import { loadMailConfig } from './mail/config.js';
import { createMailer } from './mail/mailer.js';
import { createMailSender } from './mail/sender.js';
import { paymentMailHandlers } from './payments/handlers.js';
import { payslipMailHandlers } from './payslips/handlers.js';
import { purchaseOrderMailHandlers } from './purchase-orders/handlers.js';
import { replicaHandlers } from './replicas/handlers.js';
import { seedNotification } from './seed.js';

/**
 * Notification: renders the mail templates and sends them (SMTP, or the embedded mailbox without
 * SMTP_HOST), once per (message, recipient), from events and commands; keeps replicas of
 * contacts, users and organizations so handlers never call another service.
 */
export const notificationService: ServiceDefinition = {
  name: 'notification',
  port: SERVICE_PORTS.notification,
  migrations: loadSqlMigrations(new URL('./migrations/', import.meta.url)),
  users: userFeed,
  routes: (app, deps) => emailRoutes(app, deps),
  handlers(deps) {
    const sender = createMailSender(loadMailConfig(deps.env));
    deps.onStop(() => sender.close());
    deps.log.info(
      { transport: sender.kind },
      sender.kind === 'smtp' ? 'mail goes through SMTP' : 'mail goes to the mailbox',
    );
    const mailer = createMailer(sender);
    return [
      ...replicaHandlers(),
      ...invoiceMailHandlers(mailer),
      ...paymentMailHandlers(mailer),
      ...purchaseOrderMailHandlers(mailer),
      ...payslipMailHandlers(mailer),
    ];
  },
  seed: (deps) => seedNotification(deps.db),
};
