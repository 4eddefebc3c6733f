import { z } from 'zod';
import type { PayloadOf } from '#platform/messaging/contract.js';
import type { POSubmitted } from '#contracts/purchase.js';
import type { PurchaseOrder } from './store.js';

/** A purchase order as the API shows it. */
export const purchaseOrderSchema = z.object({
  id: z.uuid(),
  number: z.string(),
  status: z.enum(['draft', 'submitted', 'approved', 'rejected', 'cancelled']),
  amount: z.string(),
  companyId: z.uuid().nullable(),
  vendorId: z.uuid(),
  vendorName: z.string(),
  requestedBy: z.uuid(),
  requestedByName: z.string().nullable(),
  requiredRoles: z.array(z.string()),
  approvals: z.array(
    z.object({
      role: z.string(),
      userId: z.uuid(),
      userName: z.string().nullable(),
      comments: z.string().nullable(),
      at: z.string(),
    }),
  ),
  rejection: z
    .object({ userId: z.uuid(), userName: z.string().nullable(), comments: z.string(), at: z.string() })
    .nullable(),
  budgetReserved: z.boolean(),
  submittedAt: z.string().nullable(),
  decidedAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
  createdAt: z.string(),
  correlationId: z.string().nullable().describe('The thread of its timeline (GET /api/ops/trace/{id})'),
  items: z.array(
    z.object({
      position: z.number(),
      description: z.string(),
      quantity: z.number(),
      unitPrice: z.string(),
      amount: z.string(),
    }),
  ),
});

export type PurchaseOrderView = z.infer<typeof purchaseOrderSchema>;

export function view(po: PurchaseOrder): PurchaseOrderView {
  return {
    id: po.id,
    number: po.number,
    status: po.status,
    amount: po.amount,
    companyId: po.companyId,
    vendorId: po.vendorId,
    vendorName: po.vendorName,
    requestedBy: po.requestedBy,
    requestedByName: po.requestedByName,
    requiredRoles: po.requiredRoles,
    approvals: po.approvals,
    rejection: po.rejection,
    budgetReserved: po.budgetReserved,
    submittedAt: po.submittedAt,
    decidedAt: po.decidedAt,
    cancelledAt: po.cancelledAt,
    createdAt: po.createdAt,
    correlationId: po.correlationId,
    items: po.lines,
  };
}

/** The facts every purchase-order event carries. */
export function poFacts(po: PurchaseOrder): Omit<PayloadOf<typeof POSubmitted>, 'requiredRoles'> {
  return {
    purchaseOrderId: po.id,
    number: po.number,
    vendorId: po.vendorId,
    vendorName: po.vendorName,
    amount: po.amount,
    requestedBy: po.requestedBy,
  };
}
