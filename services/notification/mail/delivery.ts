import { createHash } from 'node:crypto';
import type { Tx } from '#platform/data/db.js';
import { deferOutside } from '#platform/messaging/outside-effects.js';
import { activityCte } from '#platform/observability/activity.js';
import type { TemplateName } from '../templates/render.js';
import type { MailSender, OutgoingMail } from './sender.js';
import { sentBefore } from './earlier-sends.js';
import type { SentMails } from './sent-mails.js';
import { queueRecord, writeQueuedRecords } from './sent-records.js';

export interface MailToSend extends OutgoingMail {
  organizationId: string;
  correlationId: string;
  template: TemplateName;
  /**
   * The mail's id is shared by other messages (a dedupe key such as the payment): look for an
   * earlier send before sending. A mail keyed by its own message needs no look: its record and the
   * handler's inbox record commit together, so a record can only exist if the handler never runs.
   */
  sharedId: boolean;
}

/**
 * Sends a mail once per (message, recipient): the record is written after the send succeeded, in
 * the handler's transaction. A failed send writes nothing and throws (the bus retries, then
 * dead-letters). The mailbox is exactly once, written here. An SMTP send is deferred to the
 * handler's effects phase (`deferOutside`): a batch's mails go out at once, over the pooled
 * connections, and are recorded before the batch commits; its failure fails its message only.
 * SMTP can repeat a mail only if the process dies between the send and the commit, or when the
 * message is retried by another process (one recipient of several failed); in this process
 * `sent` keeps a mail from going out twice until its record commits. A second connection for the
 * record is not taken on purpose: handlers holding one connection each while waiting for another
 * would starve the pool.
 */
export async function deliverOnce(
  tx: Tx,
  sender: MailSender,
  mail: MailToSend,
  sent: SentMails,
): Promise<'sent' | 'already-sent'> {
  const to = mail.to.trim().toLowerCase();
  const attachments = mail.attachments ?? [];
  const attachmentList = JSON.stringify(
    attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      size: a.content.byteLength,
    })),
  );
  if (sender.kind === 'mailbox') {
    const params: unknown[] = [
      mail.messageId,
      to,
      mail.organizationId,
      mail.template,
      mail.subject,
      mail.correlationId,
      attachmentList,
    ];
    const activity = () =>
      activityCte(
        'activity_row',
        params,
        'email.sent',
        { to, template: mail.template, subject: mail.subject, transport: 'mailbox' },
        { correlationId: mail.correlationId, organizationId: mail.organizationId },
        'sent',
      );
    const record = `sent AS (
        INSERT INTO outgoing_email (message_id, recipient, organization_id, template, subject, correlation_id,
                                    attachments, transport, smtp_message_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, 'mailbox', NULL)
        ON CONFLICT (message_id, recipient) DO NOTHING
        RETURNING message_id, recipient
      )`;
    // One statement: the record doubles as the "already sent?" check, the mailbox and the
    // activity follow it only when it was new.
    params.push(sender.from, mail.html, mail.text);
    const n = params.length;
    // Each attachment's content as its own bytea parameter.
    const files = attachments.map((a, i) => {
      params.push(i + 1, a.filename, a.contentType, Buffer.from(a.content));
      const k = params.length;
      return `SELECT message_id, recipient, $${k - 3}::integer, $${k - 2}, $${k - 1}, $${k}::bytea FROM sent`;
    });
    const filed = files.length
      ? `filed AS (
           INSERT INTO mailbox_attachment (message_id, recipient, position, filename, content_type, content)
           ${files.join(' UNION ALL ')}
         ),`
      : '';
    const { rows } = await tx.query(
      `WITH ${record},
       boxed AS (
         INSERT INTO mailbox (message_id, recipient, sender, html, text)
         SELECT message_id, recipient, $${n - 2}, $${n - 1}, $${n} FROM sent
       ), ${filed} ${activity()}
       SELECT 1 FROM sent`,
      params,
    );
    return rows.length > 0 ? 'sent' : 'already-sent';
  }

  if (mail.sharedId && (await sentBefore(tx, mail.messageId, to))) return 'already-sent';
  const key = `${mail.messageId.toLowerCase()}\n${to}`;
  await deferOutside(tx, async () => {
    const receipt = await sent.send(key, () => sender.send({ ...mail, to }));
    queueRecord(tx, {
      key,
      messageId: mail.messageId,
      recipient: to,
      organizationId: mail.organizationId,
      template: mail.template,
      subject: mail.subject,
      correlationId: mail.correlationId,
      attachments: attachmentList,
      smtpMessageId: receipt.smtpMessageId,
    });
    // The batch's first record step writes every mail it sent (sent-records.ts).
    return (recordTx) => writeQueuedRecords(recordTx, (k) => sent.recorded(k));
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
