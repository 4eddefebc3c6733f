import type { Tx } from '#platform/data/db.js';
import type { Envelope } from '#platform/messaging/envelope.js';
import { batchRead, rememberBatchReads } from '../replicas/batch-reads.js';
import {
  contactKey,
  contactOf,
  contactsOf,
  organizationNameOf,
  pickRecipient,
  userOf,
} from '../replicas/store.js';
import { renderMail, type TemplateData, type TemplateName } from '../templates/render.js';
import { deliverOnce, uuidFromKey } from './delivery.js';
import type { MailDeliverySwitch } from './delivery-switch.js';
import { readEarlierSends } from './earlier-sends.js';
import type { MailAttachment, MailSender } from './sender.js';
import { SentMails } from './sent-mails.js';

/** Thrown when a mail has no one to go to yet: retried (the replica may catch up), then dead-lettered. */
export class NoRecipientError extends Error {
  override name = 'NoRecipientError';
}

const FALLBACK_ORGANIZATION_NAME = 'Dhanman';

export type Recipient = { name: string; email: string };

/**
 * What every mail handler uses: render a template and deliver it once, and find whom it goes to
 * from the replicas. Shared by the features' handlers (invoices, payments, purchase orders,
 * payslips).
 */
export interface Mailer {
  send<N extends TemplateName>(
    tx: Tx,
    m: Envelope,
    template: N,
    to: Recipient,
    /** Resolved by the caller once per message, however many recipients it has. */
    organizationName: string,
    /** The template's own facts; the names every mail greets with are added here. */
    data: Omit<TemplateData[N], 'organizationName' | 'recipientName'>,
    /** What makes this mail "the same mail" (default: the message). */
    dedupeKey?: string,
    attachments?: MailAttachment[],
  ): Promise<unknown>;
  organizationOf(tx: Tx, m: Envelope): Promise<string>;
  /** The customer's contact (the message's copy or the replica, the newer) and the organization's name. */
  customer(
    tx: Tx,
    m: Envelope,
    p: { customerId: string; customerName?: string | undefined; customerEmail?: string | undefined },
  ): Promise<{ to: Recipient; organizationName: string }>;
  user(tx: Tx, m: Envelope, userId: string): Promise<Recipient>;
  /**
   * A batch's customer mails, before their handlers run: every customer's contact, and who each
   * shared mail already went to, in a statement each instead of one per mail.
   */
  prepareCustomerMails(
    tx: Tx,
    mails: ReadonlyArray<{ m: Envelope; customerId: string; dedupeKey?: string | undefined }>,
  ): Promise<void>;
}

/** A mail's id: its message's, or one shared by every message with the same dedupe key. */
const mailIdOf = (m: Envelope, dedupeKey: string | undefined): string =>
  dedupeKey ? uuidFromKey(`${m.organizationId}:${dedupeKey}`) : m.messageId;

/**
 * Mail handlers are batched like any other: an SMTP mail is sent in the handler's effects phase,
 * with the rest of its batch's mails at once, and recorded before the batch commits (delivery.ts).
 */
export function createMailer(sender: MailSender, delivery: MailDeliverySwitch): Mailer {
  const sent = new SentMails();
  return {
    async send(tx, m, template, to, organizationName, data, dedupeKey, attachments) {
      delivery.assertUp();
      const rendered = renderMail(template, {
        organizationName,
        recipientName: to.name,
        ...data,
      } as TemplateData[typeof template]);
      return deliverOnce(
        tx,
        sender,
        {
          ...rendered,
          to: to.email,
          messageId: mailIdOf(m, dedupeKey),
          sharedId: dedupeKey !== undefined,
          organizationId: m.organizationId,
          correlationId: m.correlationId,
          template,
          ...(attachments ? { attachments } : {}),
          headers: {
            'X-Correlation-Id': m.correlationId,
            'X-Dhanman-Message-Id': m.messageId,
            'X-Dhanman-Template': template,
          },
        },
        sent,
      );
    },
    async organizationOf(tx, m) {
      return (await organizationNameOf(tx, m.organizationId)) ?? FALLBACK_ORGANIZATION_NAME;
    },
    // The customer's contact and the organization's name come in one query.
    async customer(tx, m, p) {
      const { contact, organizationName } =
        batchRead(tx, contactKey(m.organizationId, p.customerId)) ??
        (await contactOf(tx, m.organizationId, p.customerId));
      const to = pickRecipient(
        { name: p.customerName, email: p.customerEmail, at: new Date(m.occurredAt) },
        contact,
      );
      if (!to) throw new NoRecipientError(`no email address known for customer ${p.customerId} yet`);
      return { to, organizationName: organizationName ?? FALLBACK_ORGANIZATION_NAME };
    },
    async user(tx, m, userId) {
      const found = await userOf(tx, m.organizationId, userId);
      if (!found) throw new NoRecipientError(`no email address known for user ${userId} yet`);
      return found;
    },
    async prepareCustomerMails(tx, mails) {
      const wanted = mails.map(({ m, customerId }) => ({ organizationId: m.organizationId, customerId }));
      rememberBatchReads(tx, await contactsOf(tx, wanted));
      // Only an SMTP mail with a shared id looks for an earlier send (delivery.ts).
      if (sender.kind === 'smtp') {
        const shared = mails.filter((x) => x.dedupeKey !== undefined);
        await readEarlierSends(
          tx,
          shared.map(({ m, dedupeKey }) => mailIdOf(m, dedupeKey)),
        );
      }
    },
  };
}
