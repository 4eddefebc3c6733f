import type { Principal } from '#platform/auth/claims.js';
import type { Queryable } from '#platform/data/db.js';
import { conflict, forbidden, notFound } from '#platform/http/problem.js';
import type { Decision } from './rules.js';
import { getPurchaseOrder, type PurchaseOrder } from './store.js';

/**
 * The caller's purchase order, locked for a decision. Another organization's order is 404, like
 * one that does not exist: nothing confirms it is there.
 */
export async function lockedOrder(q: Queryable, principal: Principal, id: string): Promise<PurchaseOrder> {
  const po = await getPurchaseOrder(q, principal.organizationId, { id }, { lock: true });
  if (!po) throw notFound(`purchase order ${id} does not exist`);
  return po;
}

/** A refused decision as its problem: 403 for who may not, 409 for the state that does not allow it. */
export function refuse(decision: Extract<Decision, { ok: false }>): never {
  throw decision.status === 403 ? forbidden(decision.reason) : conflict(decision.reason);
}
