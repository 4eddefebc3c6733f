import { createHash } from 'node:crypto';
import type { Db, Queryable } from '../../../platform/data/db.js';
import { recordActivity } from '../../../platform/observability/activity.js';
import type { TemplateName } from '../templates/render.js';
import type { MailSender, OutgoingMail } from './sender.js';

export interface MailToSend extends OutgoingMail {
  organizationId: string;
  correlationId: string;
  template: TemplateName;
}

/**
 * Sends a mail once per (message, recipient). A failed send writes nothing and throws (the bus
 * retries). The mailbox writes in the handler's transaction: exactly once. An SMTP send is recorded
 * right after it succeeded; on PostgreSQL that record commits on its own, so a message whose later
 * recipient fails does not mail the earlier ones again on retry. (PGlite has one connection, held
 * by the handler's transaction: there the record commits with it.)
 */
export async function deliverOnce(
  tx: Queryable,
  db: Db,
  sender: MailSender,
  mail: MailToSend,
): Promise<'sent' | 'already-sent'> {
  const to = mail.to.trim().toLowerCase();
  const done = await tx.query('SELECT 1 FROM outgoing_email WHERE message_id = $1 AND recipient = $2', [
    mail.messageId,
    to,
  ]);
  if (done.rowCount > 0) return 'already-sent';
  const result = await sender.send(tx, { ...mail, to });
  const recorder: Queryable = sender.kind === 'smtp' && db.kind === 'postgres' ? db : tx;
  await recorder.query(
    `INSERT INTO outgoing_email (message_id, recipient, organization_id, template, subject, correlation_id, transport,
                                 smtp_message_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (message_id, recipient) DO NOTHING`,
    [
      mail.messageId,
      to,
      mail.organizationId,
      mail.template,
      mail.subject,
      mail.correlationId,
      sender.kind,
      result.smtpMessageId ?? null,
    ],
  );
  await recordActivity(tx, 'email.sent', {
    to,
    template: mail.template,
    subject: mail.subject,
    transport: sender.kind,
  });
  return 'sent';
}

/** A stable UUID (version 5 layout) naming a business key, for the (message, recipient) record. */
export function uuidFromKey(key: string): string {
  const h = createHash('sha1').update(`dhanman-mail:${key}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
