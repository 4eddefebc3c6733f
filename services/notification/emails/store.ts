import type { Queryable } from '#platform/data/db.js';

// The outgoing mail log and the embedded mailbox, read for the emails routes.

export type AttachmentInfo = { filename: string; contentType: string; size: number };

export interface EmailRow {
  id: string;
  recipient: string;
  subject: string;
  template: string;
  correlation_id: string;
  message_id: string;
  transport: 'smtp' | 'mailbox';
  sent_at: Date;
  attachments: AttachmentInfo[] | string;
}

const COLUMNS =
  'id, recipient, subject, template, correlation_id, message_id, transport, sent_at, attachments';

/** Null organization: every organization's and the platform's own (an operator's view). */
export interface EmailFilter {
  organizationId: string | null;
  to?: string | undefined;
  correlationId?: string | undefined;
  template?: string | undefined;
  beforeId?: string | undefined;
  limit: number;
}

/** Mails newest first, `limit` of them. */
export async function listEmails(q: Queryable, f: EmailFilter): Promise<EmailRow[]> {
  const params: unknown[] = [f.organizationId];
  let where = '($1::uuid IS NULL OR organization_id = $1::uuid)';
  if (f.to) {
    params.push(f.to.toLowerCase());
    where += ` AND lower(recipient) = $${params.length}`;
  }
  if (f.correlationId) {
    params.push(f.correlationId);
    where += ` AND correlation_id = $${params.length}`;
  }
  if (f.template) {
    params.push(f.template);
    where += ` AND template = $${params.length}`;
  }
  if (f.beforeId) {
    params.push(f.beforeId);
    where += ` AND id < $${params.length}::bigint`;
  }
  params.push(f.limit);
  const { rows } = await q.query<EmailRow>(
    `SELECT ${COLUMNS} FROM outgoing_email WHERE ${where} ORDER BY id DESC LIMIT $${params.length}`,
    params,
  );
  return rows;
}

/** How many mails were sent per template, since a time if given. */
export async function countByTemplate(
  q: Queryable,
  organizationId: string | null,
  since: string | null,
): Promise<Array<{ template: string; n: number }>> {
  const { rows } = await q.query<{ template: string; n: string }>(
    `SELECT template, count(*) AS n FROM outgoing_email
      WHERE ($1::uuid IS NULL OR organization_id = $1::uuid)
        AND ($2::timestamptz IS NULL OR sent_at >= $2::timestamptz)
      GROUP BY template ORDER BY template`,
    [organizationId, since],
  );
  return rows.map((r) => ({ template: r.template, n: Number(r.n) }));
}

export type FullEmailRow = EmailRow & { sender: string | null; html: string | null; text: string | null };

/** One mail, with its mailbox copy's sender, HTML and text where it went to the mailbox. */
export async function emailById(
  q: Queryable,
  organizationId: string | null,
  id: string,
): Promise<FullEmailRow | undefined> {
  const { rows } = await q.query<FullEmailRow>(
    `SELECT e.id, e.recipient, e.subject, e.template, e.correlation_id, e.message_id, e.transport, e.sent_at,
            e.attachments, m.sender, m.html, m.text
       FROM outgoing_email e
       LEFT JOIN mailbox m ON m.message_id = e.message_id AND m.recipient = e.recipient
      WHERE ($1::uuid IS NULL OR e.organization_id = $1::uuid) AND e.id = $2::bigint`,
    [organizationId, id],
  );
  return rows[0];
}

/** An attachment of a mail in the mailbox, by its position (from 1). */
export async function attachmentOf(
  q: Queryable,
  organizationId: string | null,
  id: string,
  position: number,
): Promise<{ filename: string; content_type: string; content: Uint8Array } | undefined> {
  const { rows } = await q.query<{ filename: string; content_type: string; content: Uint8Array }>(
    `SELECT a.filename, a.content_type, a.content
       FROM outgoing_email e
       JOIN mailbox_attachment a ON a.message_id = e.message_id AND a.recipient = e.recipient
      WHERE ($1::uuid IS NULL OR e.organization_id = $1::uuid) AND e.id = $2::bigint AND a.position = $3`,
    [organizationId, id, position],
  );
  return rows[0];
}
