import { z } from 'zod';
import type { Db } from '#platform/data/db.js';
import type { HttpApp } from '#platform/http/app.js';
import { principalOf } from '#platform/http/authentication.js';
import { decodeCursor, pageQuery, pageSchema, toPage } from '#platform/http/pagination.js';
import { notFound } from '#platform/http/problem.js';
import { runWrite } from '#platform/http/write.js';
import type { Bus } from '#platform/messaging/bus.js';
import { isoDateSchema, positiveMoneySchema } from '#contracts/money.js';
import { PERMISSIONS } from '#contracts/permissions.js';
import { createBill } from './create.js';
import { getBill, listBills, type Bill } from './store.js';

const billSchema = z.object({
  id: z.uuid(),
  number: z.string(),
  status: z.literal('open'),
  companyId: z.uuid().nullable(),
  vendorId: z.uuid(),
  vendorName: z.string(),
  purchaseOrderId: z.uuid().nullable(),
  amount: z.string(),
  dueDate: z.string(),
  posted: z.boolean(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  correlationId: z.string().nullable().describe('The thread of its timeline (GET /api/ops/trace/{id})'),
});

const view = (b: Bill): z.infer<typeof billSchema> => ({
  id: b.id,
  number: b.number,
  status: b.status,
  companyId: b.companyId,
  vendorId: b.vendorId,
  vendorName: b.vendorName,
  purchaseOrderId: b.purchaseOrderId,
  amount: b.amount,
  dueDate: b.dueDate,
  posted: b.posted,
  createdBy: b.createdBy,
  createdAt: b.createdAt,
  correlationId: b.correlationId,
});

const cursorSchema = z.object({ p: z.string().min(1).max(64), id: z.uuid() });

/** Vendor bills: create (optionally for an approved purchase order), read, list. */
export function billRoutes(app: HttpApp, deps: { db: Db; bus: Bus }): void {
  app.post(
    '/api/bills',
    {
      config: { permission: PERMISSIONS.billsWrite, idempotency: 'required' },
      schema: {
        tags: ['bills'],
        summary: 'Record a vendor bill (numbered BILL-YYYYMM-0001)',
        description:
          'With purchaseOrderId the order must be the vendor’s and approved (409 otherwise), not billed yet ' +
          '(409), and the amount at most what the order approved less the bills made against it (422 with ' +
          '`amount`, `remaining`, `approved` and `billed`). Common then releases its reservation and books the ' +
          'expense. Without purchaseOrderId the bill is a small spend: by an accountant, CFO or admin (403 ' +
          'otherwise) and at most 10000.00 (422 with `amount` and `limit`: a larger spend needs a purchase order).',
        body: z.object({
          vendorId: z.uuid(),
          amount: positiveMoneySchema,
          dueDate: isoDateSchema,
          purchaseOrderId: z.uuid().optional(),
        }),
        response: { 201: billSchema },
      },
    },
    async (request, reply) => {
      const { body } = await runWrite(deps, request, async (work) => {
        const written = await createBill(work, principalOf(request), request.body, {
          correlationId: request.workContext.correlationId,
          idempotencyKey: request.idempotency?.key ?? null,
          now: new Date(),
        });
        return { ...written, body: view(written.body) };
      });
      return reply.code(201).header('location', `/api/bills/${body.id}`).send(body);
    },
  );

  app.get(
    '/api/bills/:id',
    {
      config: { permission: PERMISSIONS.purchaseOrdersRead },
      schema: {
        tags: ['bills'],
        summary: 'A bill and whether the ledger has it',
        params: z.object({ id: z.uuid() }),
        response: { 200: billSchema },
      },
    },
    async (request) => {
      const bill = await getBill(deps.db, principalOf(request).organizationId, request.params.id);
      if (!bill) throw notFound(`bill ${request.params.id} does not exist`);
      return view(bill);
    },
  );

  app.get(
    '/api/bills',
    {
      config: { permission: PERMISSIONS.purchaseOrdersRead },
      schema: {
        tags: ['bills'],
        summary: 'Bills, newest first',
        querystring: pageQuery(),
        response: { 200: pageSchema(billSchema) },
      },
    },
    async (request) => {
      const before = decodeCursor(request.query.cursor, cursorSchema);
      const rows = await listBills(deps.db, principalOf(request).organizationId, {
        limit: request.query.limit + 1,
        before: before ? { position: before.p, id: before.id } : undefined,
      });
      return toPage(rows, request.query.limit, (b) => ({ p: b.position, id: b.id }), view);
    },
  );
}
