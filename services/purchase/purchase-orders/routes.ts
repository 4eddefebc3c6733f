import { z } from 'zod';
import type { Db } from '#platform/data/db.js';
import type { HttpApp } from '#platform/http/app.js';
import { principalOf } from '#platform/http/authentication.js';
import { decodeCursor, pageQuery, pageSchema, toPage } from '#platform/http/pagination.js';
import { notFound } from '#platform/http/problem.js';
import { runWrite, type Work, type Written } from '#platform/http/write.js';
import type { Principal } from '#platform/auth/claims.js';
import type { Bus } from '#platform/messaging/bus.js';
import { positiveMoneySchema } from '#contracts/money.js';
import { PERMISSIONS } from '#contracts/permissions.js';
import { approvePurchaseOrder } from './approve.js';
import { cancelPurchaseOrder } from './cancel.js';
import { createPurchaseOrder } from './create.js';
import { rejectPurchaseOrder } from './reject.js';
import { getPurchaseOrder, listPurchaseOrders } from './store.js';
import { submitPurchaseOrder } from './submit.js';
import { purchaseOrderSchema, view, type PurchaseOrderView } from './view.js';

const idParams = z.object({ id: z.uuid() });
const cursorSchema = z.object({ p: z.string().min(1).max(64), id: z.uuid() });
const statusSchema = z.enum(['draft', 'submitted', 'approved', 'rejected', 'cancelled']);
const comments = z.string().trim().min(1).max(2000);

/** One step of the workflow on one order, as its use case. */
type StepRun = (
  work: Work,
  step: { principal: Principal; id: string; comments: string | undefined },
) => Promise<Written<PurchaseOrderView>>;

/** Purchase orders: create, submit, approve or reject (by role), cancel, read, list. */
export function purchaseOrderRoutes(app: HttpApp, deps: { db: Db; bus: Bus }): void {
  app.post(
    '/api/purchase-orders',
    {
      config: { permission: PERMISSIONS.purchaseOrdersWrite, idempotency: 'required' },
      schema: {
        tags: ['purchase-orders'],
        summary: 'Draft a purchase order (numbered PO-YYYYMM-0001)',
        description:
          'The caller is the requester. Amount = sum of quantity x unitPrice, exact. Above 50,000 it needs ' +
          'the manager and then the CFO; otherwise the manager. Unknown vendor: 422.',
        body: z.object({
          vendorId: z.uuid(),
          items: z
            .array(
              z.object({
                description: z.string().trim().min(1).max(500),
                quantity: z.number().int().positive().max(1_000_000),
                unitPrice: positiveMoneySchema,
              }),
            )
            .min(1)
            .max(200),
        }),
        response: { 201: purchaseOrderSchema },
      },
    },
    async (request, reply) => {
      const { body } = await runWrite(deps, request, (work) =>
        createPurchaseOrder(work, principalOf(request), request.body, {
          correlationId: request.workContext.correlationId,
          idempotencyKey: request.idempotency?.key ?? null,
          now: new Date(),
        }),
      );
      return reply.code(201).header('location', `/api/purchase-orders/${body.id}`).send(body);
    },
  );

  app.get(
    '/api/purchase-orders/:id',
    {
      config: { permission: PERMISSIONS.purchaseOrdersRead },
      schema: {
        tags: ['purchase-orders'],
        summary: 'A purchase order with its lines, approvals and whether its budget is reserved',
        params: idParams,
        response: { 200: purchaseOrderSchema },
      },
    },
    async (request) => {
      const po = await getPurchaseOrder(deps.db, principalOf(request).organizationId, {
        id: request.params.id,
      });
      if (!po) throw notFound(`purchase order ${request.params.id} does not exist`);
      return view(po);
    },
  );

  app.get(
    '/api/purchase-orders',
    {
      config: { permission: PERMISSIONS.purchaseOrdersRead },
      schema: {
        tags: ['purchase-orders'],
        summary: 'Purchase orders, newest first (filter by status)',
        querystring: pageQuery().extend({ status: statusSchema.optional() }),
        response: { 200: pageSchema(purchaseOrderSchema.omit({ items: true })) },
      },
    },
    async (request) => {
      const q = request.query;
      const before = decodeCursor(q.cursor, cursorSchema);
      const rows = await listPurchaseOrders(deps.db, principalOf(request).organizationId, {
        status: q.status,
        limit: q.limit + 1,
        before: before ? { position: before.p, id: before.id } : undefined,
      });
      return toPage(
        rows,
        q.limit,
        (po) => ({ p: po.position, id: po.id }),
        (po) => {
          const { items: _items, ...summary } = view(po);
          return summary;
        },
      );
    },
  );

  const step = (
    path: string,
    summary: string,
    permission: string,
    body: z.ZodType<{ comments?: string | undefined }> | undefined,
    run: StepRun,
  ) =>
    app.post(
      `/api/purchase-orders/:id/${path}`,
      {
        config: { permission, idempotency: 'optional' },
        schema: {
          tags: ['purchase-orders'],
          summary,
          params: idParams,
          ...(body ? { body } : {}),
          response: { 200: purchaseOrderSchema },
        },
      },
      async (request) => {
        const comments = (request.body as { comments?: string } | undefined)?.comments;
        const { body: answer } = await runWrite(deps, request, (work) =>
          run(work, { principal: principalOf(request), id: request.params.id, comments }),
        );
        return answer;
      },
    );

  step(
    'submit',
    'Send a draft for approval (the requester)',
    PERMISSIONS.purchaseOrdersWrite,
    undefined,
    (w, r) => submitPurchaseOrder(w, r.principal, r.id),
  );
  step(
    'approve',
    'Approve in the role the order needs next (403 for the requester or without that role; 409 when not awaiting approval)',
    PERMISSIONS.purchaseOrdersApprove,
    z.object({ comments: comments.optional() }).optional().default({}),
    (w, r) => approvePurchaseOrder(w, r.principal, r.id, r.comments ?? null),
  );
  step(
    'reject',
    'Reject, with comments (a pending approver)',
    PERMISSIONS.purchaseOrdersApprove,
    z.object({ comments }),
    (w, r) => rejectPurchaseOrder(w, r.principal, r.id, r.comments!),
  );
  step(
    'cancel',
    'Withdraw before the final approval (the requester)',
    PERMISSIONS.purchaseOrdersWrite,
    undefined,
    (w, r) => cancelPurchaseOrder(w, r.principal, r.id),
  );
}
