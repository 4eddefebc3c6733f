import { loadSqlMigrations } from '#platform/data/migrate.js';
import type { ServiceDefinition, ServiceDeps } from '#platform/host/service-definition.js';
import { SERVICE_PORTS } from '#contracts/services.js';
import { emailRoutes } from './emails/routes.js';
import { invoiceMailHandlers } from './invoices/handlers.js';
import { loadMailConfig } from './mail/config.js';
import { MailDeliverySwitch } from './mail/delivery-switch.js';
import { createMailer } from './mail/mailer.js';
import { mailDeliveryRoutes } from './mail/routes.js';
import { createMailSender, type MailSender } from './mail/sender.js';
import { paymentMailHandlers } from './payments/handlers.js';
import { payslipMailHandlers } from './payslips/handlers.js';
import { purchaseOrderMailHandlers } from './purchase-orders/handlers.js';
import { replicaHandlers } from './replicas/handlers.js';
import { seedNotification } from './seed.js';
import { signUpMailHandlers } from './sign-up/handlers.js';
import { users } from './users/handlers.js';

/**
 * What one running instance's routes and handlers share: its mail transport and the operator's
 * delivery switch. Keyed by the instance's deps (one object per start of the service), so two
 * systems in one process (tests) never share a switch, whichever of routes and handlers comes first.
 */
const instances = new WeakMap<ServiceDeps, { sender: MailSender; delivery: MailDeliverySwitch }>();

function instanceOf(deps: ServiceDeps) {
  let instance = instances.get(deps);
  if (!instance) {
    const sender = createMailSender(loadMailConfig(deps.env));
    deps.onStop(() => sender.close());
    deps.log.info(
      { transport: sender.kind },
      sender.kind === 'smtp' ? 'mail goes through SMTP' : 'mail goes to the mailbox',
    );
    instance = { sender, delivery: new MailDeliverySwitch() };
    instances.set(deps, instance);
  }
  return instance;
}

/**
 * Notification: renders the mail templates and sends them (SMTP, or the embedded mailbox without
 * SMTP_HOST), once per (message, recipient), from events and commands; keeps replicas of
 * contacts, users and organizations so handlers never call another service.
 */
export const notificationService: ServiceDefinition = {
  name: 'notification',
  port: SERVICE_PORTS.notification,
  migrations: loadSqlMigrations(new URL('./migrations/', import.meta.url)),
  users,
  routes(app, deps) {
    emailRoutes(app, deps);
    const { sender, delivery } = instanceOf(deps);
    mailDeliveryRoutes(app, { delivery, transport: sender.kind, log: deps.log });
  },
  handlers(deps) {
    const { sender, delivery } = instanceOf(deps);
    const mailer = createMailer(sender, delivery);
    return [
      ...replicaHandlers(),
      ...invoiceMailHandlers(mailer),
      ...paymentMailHandlers(mailer),
      ...purchaseOrderMailHandlers(mailer),
      ...payslipMailHandlers(mailer),
      ...signUpMailHandlers(mailer),
    ];
  },
  seed: (deps) => seedNotification(deps.db),
};
