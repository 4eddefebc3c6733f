import { dbOf, type TestSystem } from './system.js';
import { apiOf } from './api.js';
import { waitFor } from './wait.js';

/** What `POST /api/organizations` takes. */
export interface NewOrganization {
  name: string;
  companyName: string;
  timeZone?: string;
  admin: { email: string; name: string; password: string };
}

export interface SignedUp {
  organizationId: string;
  companyId: string;
  userId: string;
}

/** The text of the newest mail of `template` to `to`, once it has arrived (undefined before). */
export type MailReader = (to: string, template: SignUpTemplate) => Promise<string | undefined>;
export type SignUpTemplate = 'sign-up-link' | 'sign-up-attempted';

/** Reads Notification's mailbox (a system without SMTP_HOST keeps every mail there). */
export function mailboxReader(system: TestSystem): MailReader {
  return async (to, template) => {
    const { rows } = await dbOf(system, 'notification').query<{ text: string }>(
      `SELECT m.text FROM mailbox m
         JOIN outgoing_email e ON e.message_id = m.message_id AND e.recipient = m.recipient
        WHERE m.recipient = lower($1) AND e.template = $2
        ORDER BY e.id DESC LIMIT 1`,
      [to, template],
    );
    return rows[0]?.text;
  };
}

/** Reads what an SMTP server of the test's own received (test/integration/invoice-flow/smtp-sink.ts). */
export function sinkReader(sink: {
  mails: Array<{ envelopeTo: string[]; headers: Record<string, string>; text: string }>;
}): MailReader {
  return async (to, template) =>
    sink.mails
      .filter((m) => m.envelopeTo.includes(to.toLowerCase()) && m.headers['x-dhanman-template'] === template)
      .at(-1)?.text;
}

/** The one-time token of the link in a sign-up mail. */
export function linkTokenOf(text: string): string {
  const link = /https?:\/\/\S+[?&]token=([\w-]+)/.exec(text);
  if (!link) throw new Error(`no sign-up link in the mail:\n${text}`);
  return link[1]!;
}

/**
 * Signs an organization up as a person does: `POST /api/organizations` (202), the link from the
 * mail Notification sent, `POST /api/organizations/verify` (201). Needs Common and Notification;
 * a system that mails through SMTP passes a reader of its SMTP server.
 */
export async function signUpOrganization(
  system: TestSystem,
  org: NewOrganization,
  read: MailReader = mailboxReader(system),
): Promise<SignedUp> {
  const api = apiOf(system);
  const requested = await api('common', 'POST', '/api/organizations', { body: org });
  if (requested.status !== 202) {
    throw new Error(
      `sign-up of ${org.admin.email} answered ${requested.status}: ${JSON.stringify(requested.body)}`,
    );
  }
  const mail = await waitFor(
    `the sign-up link mailed to ${org.admin.email}`,
    () => read(org.admin.email, 'sign-up-link'),
    30_000,
    50,
  );
  const verified = await api('common', 'POST', '/api/organizations/verify', {
    body: { token: linkTokenOf(mail) },
  });
  if (verified.status !== 201) {
    throw new Error(
      `verifying ${org.admin.email} answered ${verified.status}: ${JSON.stringify(verified.body)}`,
    );
  }
  return verified.body as SignedUp;
}
