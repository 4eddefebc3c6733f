import type { Logger } from 'pino';
import { z } from 'zod';
import type { HttpApp } from '#platform/http/app.js';
import { principalOf } from '#platform/http/authentication.js';
import { PERMISSIONS } from '#contracts/permissions.js';
import type { MailDeliverySwitch } from './delivery-switch.js';

const statusSchema = z.object({
  state: z.enum(['up', 'down']),
  since: z.string(),
  changedBy: z.string().nullable(),
  transport: z.enum(['smtp', 'mailbox']),
});

/**
 * `/api/ops/mail-delivery`: whether this instance delivers mail, and the operator's switch to stop
 * and restore it. While it is down every mail fails, goes through the retry ladder and ends in the
 * dead letters with the reason; replaying them once it is up sends the mails. The switch stops mail
 * for every organization, so only an operator of the deployment turns it; an organization's admin
 * may see its state (it explains why their mails wait).
 */
export function mailDeliveryRoutes(
  app: HttpApp,
  deps: { delivery: MailDeliverySwitch; transport: 'smtp' | 'mailbox'; log: Logger },
): void {
  const { delivery, transport, log } = deps;
  const config = { permission: PERMISSIONS.opsMailDelivery };

  app.get(
    '/api/ops/mail-delivery',
    {
      config,
      schema: {
        tags: ['operations'],
        summary: 'Whether mail is being delivered (up) or stopped by an operator (down)',
        response: { 200: statusSchema },
      },
    },
    () => ({ ...delivery.current(), transport }),
  );

  app.put(
    '/api/ops/mail-delivery',
    {
      config: { ...config, operatorOnly: true },
      schema: {
        tags: ['operations'],
        summary: "Stop (down) or restore (up) mail delivery (operators only: it is every organization's)",
        description:
          'Down, every mail fails as with the SMTP server gone: its message is retried, then dead-lettered ' +
          'with the reason. Up again, replay the dead letters to send them. In memory, per instance: a restart ' +
          'brings delivery back up.',
        body: z.object({ state: z.enum(['up', 'down']) }).strict(),
        response: { 200: statusSchema },
      },
    },
    (request) => {
      const before = delivery.current().state;
      const after = delivery.set(request.body.state, principalOf(request).subject);
      if (after.state !== before) {
        log.warn({ state: after.state, by: after.changedBy }, `mail delivery switched ${after.state}`);
      }
      return { ...after, transport };
    },
  );
}
