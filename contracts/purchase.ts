import { z } from 'zod';
import { defineEvent } from '#platform/messaging/contract.js';
import { moneyString } from '#contracts/money.js';

/**
 * Messages of the Purchase service. Approvers and requesters travel as user ids and roles;
 * Notification finds their email addresses in its replica of users (fed by `UserCreated`).
 */

const poFacts = {
  purchaseOrderId: z.uuid(),
  number: z.string().min(1),
  vendorId: z.uuid(),
  vendorName: z.string().min(1).optional(),
  amount: moneyString,
  requestedBy: z.uuid(),
};

export const POSubmitted = defineEvent({
  type: 'purchase.po-submitted',
  version: 1,
  schema: z.object({
    ...poFacts,
    /** Roles whose approval is required, in order (e.g. ["manager"] or ["manager", "cfo"]). */
    requiredRoles: z.array(z.string().min(1)).min(1),
  }),
});

/** The purchase order has every approval it needs (emitted once, on the last approval). */
export const POApproved = defineEvent({
  type: 'purchase.po-approved',
  version: 1,
  schema: z.object({
    ...poFacts,
    approvedBy: z.uuid(),
    comments: z.string().optional(),
  }),
});

export const PORejected = defineEvent({
  type: 'purchase.po-rejected',
  version: 1,
  schema: z.object({
    ...poFacts,
    rejectedBy: z.uuid(),
    comments: z.string().optional(),
  }),
});

/** A vendor bill; when it is for an approved PO, Common first reverses that PO's budget reservation. */
export const BillCreated = defineEvent({
  type: 'purchase.bill-created',
  version: 1,
  schema: z.object({
    billId: z.uuid(),
    number: z.string().min(1),
    vendorId: z.uuid(),
    amount: moneyString,
    purchaseOrderId: z.uuid().nullable(),
  }),
});
