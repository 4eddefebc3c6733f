import { z } from 'zod';
import type { HttpApp } from '#platform/http/app.js';
import type { Db } from '#platform/data/db.js';
import { callerScopeOf, opsScopeOf, organizationFilter } from '#platform/http/ops-scope.js';
import { decodeCursor, pageQuery, pageSchema, toPage } from '#platform/http/pagination.js';
import { notFound } from '#platform/http/problem.js';
import { PERMISSIONS } from '#contracts/permissions.js';
import {
  attachmentOf,
  countByTemplate,
  emailById,
  listEmails,
  type AttachmentInfo,
  type EmailRow,
} from './store.js';

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
      const before = decodeCursor(q.cursor, z.object({ id: z.string().regex(/^\d+$/) }));
      const rows = await listEmails(db, {
        organizationId: scope.organizationId,
        to: q.to,
        correlationId: q.correlationId,
        template: q.template,
        beforeId: before?.id,
        limit: q.limit + 1,
      });
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
      const rows = await countByTemplate(
        db,
        callerScopeOf(request).organizationId,
        request.query.since ?? null,
      );
      const byTemplate = Object.fromEntries(rows.map((r) => [r.template, r.n]));
      return { total: rows.reduce((t, r) => t + r.n, 0), byTemplate };
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
      const row = await emailById(db, callerScopeOf(request).organizationId, request.params.id);
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
      const file = await attachmentOf(
        db,
        callerScopeOf(request).organizationId,
        request.params.id,
        request.params.position,
      );
      if (!file)
        throw notFound(`email ${request.params.id} has no attachment ${request.params.position} here`);
      return reply
        .header('content-type', file.content_type)
        .header('content-disposition', `attachment; filename="${file.filename.replace(/["\\\r\n]/g, '_')}"`)
        .send(Buffer.from(file.content));
    },
  );
}
