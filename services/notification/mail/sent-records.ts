import type { Tx } from '#platform/data/db.js';
import { activityRowsCte } from '#platform/observability/activity.js';

/** The record of a mail the SMTP server accepted: `outgoing_email`'s row and its activity. */
export interface SentRecord {
  /** Mail id and recipient, as SentMails knows the send. */
  key: string;
  messageId: string;
  recipient: string;
  organizationId: string;
  template: string;
  subject: string;
  correlationId: string;
  /** JSON: the files' names, types and sizes. */
  attachments: string;
  smtpMessageId: string;
}

/** Records waiting to be written, per transaction. */
const waiting = new WeakMap<Tx, SentRecord[]>();

/**
 * Queues a sent mail's record for `tx`. A batch's sends all finish before any record is written
 * (outside-effects.ts), so the first record step of the batch writes them all in one statement
 * and the others find nothing left: one round trip per batch instead of one per mail.
 */
export function queueRecord(tx: Tx, record: SentRecord): void {
  const list = waiting.get(tx);
  if (list) list.push(record);
  else waiting.set(tx, [record]);
}

/**
 * Writes every record queued for `tx` (once per (mail id, recipient); one already there is left
 * as it is), with an `email.sent` activity for each new one. `onRecorded` runs per key after the
 * commit.
 */
export async function writeQueuedRecords(tx: Tx, onRecorded: (key: string) => void): Promise<void> {
  const queued = waiting.get(tx);
  if (!queued || queued.length === 0) return;
  waiting.delete(tx);
  // The same mail twice in one batch (a fact published twice) is one row.
  const records = [...new Map(queued.map((r) => [r.key, r])).values()];
  const column = <K extends keyof SentRecord>(k: K) => records.map((r) => r[k]);
  const params: unknown[] = [
    column('messageId'),
    column('recipient'),
    column('organizationId'),
    column('template'),
    column('subject'),
    column('correlationId'),
    column('attachments'),
    column('smtpMessageId'),
  ];
  const activity = activityRowsCte('activity_row', params, 'email.sent', {
    correlationId: 'correlation_id',
    organizationId: 'organization_id',
    detail: `jsonb_build_object('to', recipient, 'template', template, 'subject', subject, 'transport', 'smtp')`,
    from: 'sent',
  });
  await tx.query(
    `WITH sent AS (
       INSERT INTO outgoing_email (message_id, recipient, organization_id, template, subject, correlation_id,
                                   attachments, transport, smtp_message_id)
       SELECT message_id, recipient, organization_id, template, subject, correlation_id,
              attachments::jsonb, 'smtp', smtp_message_id
         FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
           AS r(message_id, recipient, organization_id, template, subject, correlation_id, attachments, smtp_message_id)
       ON CONFLICT (message_id, recipient) DO NOTHING
       RETURNING recipient, organization_id, template, subject, correlation_id
     ), ${activity}
     SELECT 1 FROM sent`,
    params,
  );
  tx.afterCommit(() => {
    for (const r of records) onRecorded(r.key);
  });
}
