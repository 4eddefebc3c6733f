import { loadSqlMigrations } from '#platform/data/migrate.js';
import type { ServiceDefinition } from '#platform/host/service-definition.js';
import { traceRoute } from '#platform/observability/trace-route.js';
import { PERMISSIONS } from '#contracts/permissions.js';
import { SERVICE_PORTS } from '#contracts/services.js';
import { notificationHandlers } from './handlers.js';
import { loadMailConfig } from './mail/config.js';
import { createMailSender } from './mail/sender.js';
import { emailRoutes } from './routes.js';
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
  routes(app, deps) {
    emailRoutes(app, deps);
    traceRoute(app, { service: 'notification', db: deps.db, permission: PERMISSIONS.opsRead });
  },
  handlers(deps) {
    const sender = createMailSender(loadMailConfig(deps.env));
    deps.onStop(() => sender.close());
    deps.log.info(
      { transport: sender.kind },
      sender.kind === 'smtp' ? 'mail goes through SMTP' : 'mail goes to the mailbox',
    );
    return notificationHandlers(sender);
  },
  seed: (deps) => seedNotification(deps.db),
};
