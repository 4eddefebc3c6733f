import { on, type MessageHandler } from '#platform/messaging/bus.js';
import { SendSignUpAttempted, SendSignUpLink } from '#contracts/index.js';
import type { Mailer } from '../mail/mailer.js';

/** The platform's own mails have no organization of their own to sign with. */
const PLATFORM_NAME = 'Dhanman';

/**
 * The sign-up mails Common asks for: the link that proves an address and creates the
 * organization, and, to the owner of an address that already has an account, the notice that
 * someone tried it. Both are mails of the platform (their messages carry no tenant).
 */
export function signUpMailHandlers(mailer: Mailer): MessageHandler[] {
  return [
    on(SendSignUpLink, 'notification.sign-up.send-sign-up-link', async (m, tx) => {
      const p = m.payload;
      await mailer.send(tx, m, 'sign-up-link', { name: p.name, email: p.email }, PLATFORM_NAME, {
        signUp: { organizationName: p.organizationName, link: p.link, expiresAt: p.expiresAt },
      });
    }),
    on(SendSignUpAttempted, 'notification.sign-up.send-sign-up-attempted', async (m, tx) => {
      const p = m.payload;
      await mailer.send(tx, m, 'sign-up-attempted', { name: p.name, email: p.email }, PLATFORM_NAME, {
        attempt: { at: p.attemptedAt },
      });
    }),
  ];
}
