import { z } from 'zod';
import type { HttpApp } from '#platform/http/app.js';
import type { Db } from '#platform/data/db.js';
import { principalOf } from '#platform/http/authentication.js';
import { decodeCursor, pageQuery, pageSchema, toPage } from '#platform/http/pagination.js';
import { conflict, notFound, unprocessable } from '#platform/http/problem.js';
import type { Bus } from '#platform/messaging/bus.js';
import { runWrite } from '#platform/http/write.js';
import { accepts, sendCsv, toCsv } from '#platform/http/downloads.js';
import { zonedDateTime } from '#platform/jobs/next-run.js';
import { PERMISSIONS } from '#contracts/permissions.js';
import { customerScope, maySee } from '../access.js';
import { billingSettings } from '../runs/organizations.js';
import { createInvoice, type CustomerDirectory, type InvoiceWriter } from './create.js';
import { createInvoiceBodySchema, InvoiceRuleError } from './request.js';
import { sendInvoiceEmail } from './send-email.js';
import { getInvoice, listInvoices, type Invoice } from './store.js';
import { voidInvoice } from './void.js';

const createdSchema = z.object({
  id: z.uuid(),
  number: z.string(),
  status: z.enum(['draft', 'issued', 'paid', 'void']),
  amount: z.string(),
  customerId: z.uuid(),
  issueDate: z.string(),
  dueDate: z.string(),
});

const invoiceSchema = createdSchema.extend({
  customerName: z.string(),
  description: z.string().nullable(),
  posted: z.boolean().describe('Common has acknowledged the ledger posting (LedgerPosted)'),
  postedAt: z.string().nullable(),
  paidAt: z.string().nullable(),
  journalId: z.uuid().nullable(),
  correlationId: z
    .string()
    .nullable()
    .describe('The thread of the request that made it (GET /api/ops/trace/{id})'),
  createdAt: z.string(),
  lines: z.array(
    z.object({
      position: z.number(),
      description: z.string(),
      quantity: z.number(),
      unitPrice: z.string(),
      amount: z.string(),
    }),
  ),
});

const view = (i: Invoice) => ({
  id: i.id,
  number: i.number,
  status: i.status,
  amount: i.amount,
  customerId: i.customerId,
  customerName: i.customerName,
  issueDate: i.issueDate,
  dueDate: i.dueDate,
  description: i.description,
  posted: i.posted,
  postedAt: i.postedAt,
  paidAt: i.paidAt,
  journalId: i.journalId,
  correlationId: i.correlationId,
  createdAt: i.createdAt,
  lines: i.lines,
});

const idParams = z.object({ id: z.uuid() });
const cursorSchema = z.object({ p: z.string().min(1).max(64), id: z.uuid() });

/** The most rows one CSV export holds. */
const CSV_ROWS = 10_000;

/** The invoice list as a spreadsheet reads it: times in the organization's zone. */
function invoicesCsv(invoices: Invoice[], timeZone: string): string {
  const local = (iso: string | null) => (iso ? zonedDateTime(new Date(iso), timeZone) : '');
  return toCsv(
    ['number', 'customer', 'issueDate', 'dueDate', 'amount', 'status', 'paidAt', 'createdAt'],
    invoices.map((i) => [
      i.number,
      i.customerName,
      i.issueDate,
      i.dueDate,
      i.amount,
      i.status,
      local(i.paidAt),
      local(i.createdAt),
    ]),
  );
}

const todayUtc = () => new Date().toISOString().slice(0, 10);

export function invoiceRoutes(
  app: HttpApp,
  deps: { db: Db; bus: Bus; customers: CustomerDirectory; writer: InvoiceWriter },
): void {
  const { db } = deps;

  app.post(
    '/api/invoices',
    {
      schema: {
        tags: ['invoices'],
        summary: 'Issue an invoice to a customer (checked with Common)',
        description:
          'Give `amount` or `lines` (or both, agreeing). Numbered INV-YYYYMM-0001 per organization. ' +
          'Unknown customer: 422. Common unreachable: 503, and nothing is written.',
        body: createInvoiceBodySchema,
        response: { 201: createdSchema },
      },
      config: { permission: PERMISSIONS.invoicesWrite, idempotency: 'required' },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      let outcome;
      try {
        outcome = await createInvoice(db, deps.writer, deps.customers, {
          organizationId: principal.organizationId,
          createdBy: principal.subject,
          body: request.body,
          correlationId: request.workContext.correlationId,
          causationId: request.workContext.causationId ?? null,
          idempotencyKey: request.idempotency?.key ?? null,
          today: todayUtc(),
        });
      } catch (err) {
        if (err instanceof InvoiceRuleError) {
          throw unprocessable(err.message, [{ in: 'body', path: err.field, message: err.message }]);
        }
        throw err;
      }
      if (outcome.kind === 'unknown-customer') {
        throw unprocessable(`customer ${outcome.customerId} does not exist`, [
          { in: 'body', path: 'customerId', message: `customer ${outcome.customerId} does not exist` },
        ]);
      }
      return reply.code(201).header('location', `/api/invoices/${outcome.invoice.id}`).send(outcome.invoice);
    },
  );

  app.get(
    '/api/invoices/:id',
    {
      schema: {
        tags: ['invoices'],
        summary: 'An invoice, its status and whether it is posted',
        params: idParams,
        response: { 200: invoiceSchema },
      },
      config: { permission: PERMISSIONS.invoicesRead },
    },
    async (request) => {
      const principal = principalOf(request);
      const invoice = await getInvoice(db, principal.organizationId, request.params.id);
      // A resident sees only their own invoices; another's is as good as absent.
      if (!invoice || !maySee(principal, invoice.customerId))
        throw notFound(`invoice ${request.params.id} does not exist`);
      return view(invoice);
    },
  );

  app.get(
    '/api/invoices',
    {
      schema: {
        tags: ['invoices'],
        summary: 'Invoices, newest first',
        description:
          '`Accept: text/csv` answers every invoice the filters match (up to 10,000, no paging) as CSV, ' +
          "times in the organization's time zone.",
        querystring: pageQuery().extend({
          customerId: z.uuid().optional(),
          status: z.enum(['draft', 'issued', 'paid', 'void']).optional(),
        }),
        response: { 200: pageSchema(invoiceSchema.omit({ lines: true })) },
      },
      config: { permission: PERMISSIONS.invoicesRead },
    },
    async (request, reply) => {
      const q = request.query;
      const principal = principalOf(request);
      const after = decodeCursor(q.cursor, cursorSchema);
      const scope = customerScope(principal);
      if (scope === null || (scope !== undefined && q.customerId !== undefined && q.customerId !== scope)) {
        return { items: [], nextCursor: null };
      }
      if (accepts(request, 'text/csv')) {
        const all = await listInvoices(db, principal.organizationId, {
          customerId: scope ?? q.customerId,
          status: q.status,
          limit: CSV_ROWS,
        });
        const { timeZone } = await billingSettings(db, principal.organizationId);
        return sendCsv(reply, 'invoices.csv', invoicesCsv(all, timeZone));
      }
      const rows = await listInvoices(db, principal.organizationId, {
        customerId: scope ?? q.customerId,
        status: q.status,
        limit: q.limit + 1,
        before: after ? { position: after.p, id: after.id } : undefined,
      });
      return toPage(
        rows,
        q.limit,
        (i) => ({ p: i.position, id: i.id }),
        (i) => {
          const { lines: _lines, ...summary } = view(i);
          return summary;
        },
      );
    },
  );

  app.post(
    '/api/invoices/:id/send-email',
    {
      schema: {
        tags: ['invoices'],
        summary: 'Mail the invoice to its customer (again): a SendInvoiceEmail command to Notification',
        params: idParams,
        response: {
          202: z.object({ invoiceId: z.uuid(), messageId: z.uuid(), status: z.literal('queued') }),
        },
      },
      config: { permission: PERMISSIONS.invoicesWrite, idempotency: 'optional' },
    },
    async (request, reply) => {
      const queue = sendInvoiceEmail(principalOf(request).organizationId, request.params.id);
      const { body } = await runWrite(deps, request, queue);
      return reply.code(202).send(body);
    },
  );

  app.post(
    '/api/invoices/:id/void',
    {
      schema: {
        tags: ['invoices'],
        summary: 'Void an issued, unpaid invoice (Common reverses its posting and the balance)',
        params: idParams,
        response: { 200: z.object({ id: z.uuid(), status: z.literal('void'), voidedAt: z.string() }) },
      },
      config: { permission: PERMISSIONS.invoicesWrite, idempotency: 'optional' },
    },
    async (request) => {
      const principal = principalOf(request);
      const outcome = await voidInvoice(db, deps.bus, {
        organizationId: principal.organizationId,
        invoiceId: request.params.id,
        customerId: customerScope(principal),
      });
      if (outcome.kind === 'not-found') throw notFound(`invoice ${request.params.id} does not exist`);
      if (outcome.kind === 'conflict')
        throw conflict(`${outcome.reason}: only an issued, unpaid invoice can be voided`);
      return { id: outcome.invoiceId, status: 'void' as const, voidedAt: outcome.voidedAt };
    },
  );
}
