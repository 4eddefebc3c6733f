import { z } from 'zod';
import type { HttpApp } from '#platform/http/app.js';
import type { Db } from '#platform/data/db.js';
import { callerScopeOf, opsScopeOf, organizationFilter } from '#platform/http/ops-scope.js';
import { decodeCursor, pageQuery, pageSchema, toPage } from '#platform/http/pagination.js';
import { notFound } from '#platform/http/problem.js';
import { PERMISSIONS } from '#contracts/permissions.js';

const emailSchema = z.object({
  id: z.string(),
  to: z.string(),
  subject: z.string(),
  template: z.string(),
  correlationId: z.string(),
  messageId: z.uuid(),
  transport: z.enum(['smtp', 'mailbox']),
  sentAt: z.string(),
  attachments: z.array(z.object({ filename: z.string(), contentType: z.string(), size: z.number() })),
});

type AttachmentInfo = { filename: string; contentType: string; size: number };

interface EmailRow {
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

const view = (r: EmailRow) => ({
  id: r.id,
  to: r.recipient,
  subject: r.subject,
  template: r.template,
  correlationId: r.correlation_id,
  messageId: r.message_id,
  transport: r.transport,
  sentAt: new Date(r.sent_at).toISOString(),
  // jsonb arrives parsed from pg, as text from some drivers.
  attachments: (typeof r.attachments === 'string'
    ? JSON.parse(r.attachments)
    : r.attachments) as AttachmentInfo[],
});

const COLUMNS =
  'id, recipient, subject, template, correlation_id, message_id, transport, sent_at, attachments';

/** The outgoing mail log (both transports) and, in embedded mode, the mailbox's full messages. */
export function emailRoutes(app: HttpApp, deps: { db: Db }): void {
  const { db } = deps;

  app.get(
    '/api/emails',
    {
      schema: {
        tags: ['emails'],
        summary: 'Mail sent, newest first (filter by recipient or correlation id)',
        querystring: pageQuery().extend({
          ...organizationFilter.shape,
          to: z.string().trim().min(1).max(320).optional(),
          correlationId: z.string().min(1).max(128).optional(),
          template: z.string().min(1).max(100).optional(),
        }),
        response: { 200: pageSchema(emailSchema) },
      },
      config: { permission: PERMISSIONS.emailsRead },
    },
    async (request) => {
      const q = request.query;
      // An operator reads every organization's mail and the platform's own (sign-up links).
      const scope = opsScopeOf(request, q.organizationId);
      if (!scope) return { items: [], nextCursor: null };
      const params: unknown[] = [scope.organizationId];
      let where = '($1::uuid IS NULL OR organization_id = $1::uuid)';
      if (q.to) {
        params.push(q.to.toLowerCase());
        where += ` AND lower(recipient) = $${params.length}`;
      }
      if (q.correlationId) {
        params.push(q.correlationId);
        where += ` AND correlation_id = $${params.length}`;
      }
      if (q.template) {
        params.push(q.template);
        where += ` AND template = $${params.length}`;
      }
      const before = decodeCursor(q.cursor, z.object({ id: z.string().regex(/^\d+$/) }));
      if (before) {
        params.push(before.id);
        where += ` AND id < $${params.length}::bigint`;
      }
      params.push(q.limit + 1);
      const { rows } = await db.query<EmailRow>(
        `SELECT ${COLUMNS} FROM outgoing_email WHERE ${where} ORDER BY id DESC LIMIT $${params.length}`,
        params,
      );
      return toPage(rows, q.limit, (e) => ({ id: String(e.id) }), view);
    },
  );

  app.get(
    '/api/emails/summary',
    {
      schema: {
        tags: ['emails'],
        summary: 'How many mails were sent, per template',
        querystring: z.object({ since: z.iso.datetime({ offset: true }).optional() }),
        response: {
          200: z.object({ total: z.number(), byTemplate: z.record(z.string(), z.number()) }),
        },
      },
      config: { permission: PERMISSIONS.emailsRead },
    },
    async (request) => {
      const { rows } = await db.query<{ template: string; n: string }>(
        `SELECT template, count(*) AS n FROM outgoing_email
          WHERE ($1::uuid IS NULL OR organization_id = $1::uuid)
            AND ($2::timestamptz IS NULL OR sent_at >= $2::timestamptz)
          GROUP BY template ORDER BY template`,
        [callerScopeOf(request).organizationId, request.query.since ?? null],
      );
      const byTemplate = Object.fromEntries(rows.map((r) => [r.template, Number(r.n)]));
      return { total: rows.reduce((t, r) => t + Number(r.n), 0), byTemplate };
    },
  );

  app.get(
    '/api/emails/:id',
    {
      schema: {
        tags: ['emails'],
        summary: 'One mail; with its HTML and text when it went to the embedded mailbox',
        params: z.object({ id: z.string().regex(/^\d{1,18}$/, 'expected an email id') }),
        response: {
          200: emailSchema.extend({
            from: z.string().nullable(),
            html: z.string().nullable(),
            text: z.string().nullable(),
          }),
        },
      },
      config: { permission: PERMISSIONS.emailsRead },
    },
    async (request) => {
      const { rows } = await db.query<
        EmailRow & { sender: string | null; html: string | null; text: string | null }
      >(
        `SELECT e.id, e.recipient, e.subject, e.template, e.correlation_id, e.message_id, e.transport, e.sent_at,
                e.attachments, m.sender, m.html, m.text
           FROM outgoing_email e
           LEFT JOIN mailbox m ON m.message_id = e.message_id AND m.recipient = e.recipient
          WHERE ($1::uuid IS NULL OR e.organization_id = $1::uuid) AND e.id = $2::bigint`,
        [callerScopeOf(request).organizationId, request.params.id],
      );
      const row = rows[0];
      if (!row) throw notFound(`email ${request.params.id} does not exist`);
      return { ...view(row), from: row.sender, html: row.html, text: row.text };
    },
  );

  app.get(
    '/api/emails/:id/attachments/:position',
    {
      schema: {
        tags: ['emails'],
        summary: 'An attachment of a mail in the embedded mailbox (position from 1), as its file',
        params: z.object({
          id: z.string().regex(/^\d{1,18}$/, 'expected an email id'),
          position: z.coerce.number().int().min(1).max(100),
        }),
      },
      config: { permission: PERMISSIONS.emailsRead },
    },
    async (request, reply) => {
      const { rows } = await db.query<{ filename: string; content_type: string; content: Uint8Array }>(
        `SELECT a.filename, a.content_type, a.content
           FROM outgoing_email e
           JOIN mailbox_attachment a ON a.message_id = e.message_id AND a.recipient = e.recipient
          WHERE ($1::uuid IS NULL OR e.organization_id = $1::uuid) AND e.id = $2::bigint AND a.position = $3`,
        [callerScopeOf(request).organizationId, request.params.id, request.params.position],
      );
      const file = rows[0];
      if (!file)
        throw notFound(`email ${request.params.id} has no attachment ${request.params.position} here`);
      return reply
        .header('content-type', file.content_type)
        .header('content-disposition', `attachment; filename="${file.filename.replace(/["\\\r\n]/g, '_')}"`)
        .send(Buffer.from(file.content));
    },
  );
}
