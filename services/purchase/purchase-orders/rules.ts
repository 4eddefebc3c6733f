import { Decimal } from 'decimal.js';
import { canonicalMoney } from '#contracts/money.js';

/**
 * The approval rules of a purchase order, pure: which roles must approve, who may approve next,
 * who may reject. The use cases apply them to the stored order under a row lock.
 */

/** Above this total (strictly) the CFO approves too, after the manager. */
export const CFO_THRESHOLD = new Decimal('50000');
const MAX_TOTAL = new Decimal('999999999999.99');

export type PurchaseOrderStatus = 'draft' | 'submitted' | 'approved' | 'rejected' | 'cancelled';

export function requiredRolesFor(amount: string): string[] {
  return new Decimal(amount).greaterThan(CFO_THRESHOLD) ? ['manager', 'cfo'] : ['manager'];
}

export interface LineInput {
  description: string;
  quantity: number;
  /** Canonical money ("1250.00"). */
  unitPrice: string;
}

export interface PricedLine extends LineInput {
  position: number;
  amount: string;
}

export class PurchaseOrderRuleError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'PurchaseOrderRuleError';
  }
}

/** Each line's amount (quantity x unit price, exact) and the total; refuses a total too large to store. */
export function priceLines(lines: readonly LineInput[]): { lines: PricedLine[]; amount: string } {
  let total = new Decimal(0);
  const priced = lines.map((l, i) => {
    const amount = new Decimal(l.unitPrice).times(l.quantity);
    if (amount.greaterThan(MAX_TOTAL)) {
      throw new PurchaseOrderRuleError('the line amount is too large', `items.${i}`);
    }
    total = total.plus(amount);
    return { ...l, position: i + 1, amount: canonicalMoney(amount.toFixed(2)) };
  });
  if (total.greaterThan(MAX_TOTAL)) throw new PurchaseOrderRuleError('the total is too large', 'items');
  return { lines: priced, amount: canonicalMoney(total.toFixed(2)) };
}

export interface ApprovalState {
  status: PurchaseOrderStatus;
  requestedBy: string;
  requiredRoles: readonly string[];
  approvals: ReadonlyArray<{ role: string; userId: string }>;
}

export interface Caller {
  userId: string;
  roles: readonly string[];
}

export type Decision =
  { ok: true; role: string; final: boolean } | { ok: false; status: 403 | 409; reason: string };

/** The roles still to approve, in order. */
export function pendingRoles(po: ApprovalState): string[] {
  const done = new Set(po.approvals.map((a) => a.role));
  return po.requiredRoles.filter((r) => !done.has(r));
}

/**
 * May the caller approve now, and in which role: the order must await approval; the requester
 * never approves their own; one person approves once; the caller must hold the next role (the
 * CFO's approval counts only after the manager's).
 */
export function decideApproval(po: ApprovalState, caller: Caller): Decision {
  if (po.status !== 'submitted') {
    return { ok: false, status: 409, reason: `the purchase order is ${po.status}, not awaiting approval` };
  }
  if (caller.userId === po.requestedBy) {
    return { ok: false, status: 403, reason: 'the requester cannot approve their own purchase order' };
  }
  if (po.approvals.some((a) => a.userId === caller.userId)) {
    return { ok: false, status: 403, reason: 'you have already approved this purchase order' };
  }
  const pending = pendingRoles(po);
  const next = pending[0];
  if (next === undefined) return { ok: false, status: 409, reason: 'the purchase order has every approval' };
  if (!caller.roles.includes(next)) {
    return { ok: false, status: 403, reason: `the next approval must come from the ${next}` };
  }
  return { ok: true, role: next, final: pending.length === 1 };
}

/**
 * May the caller reject: the order must await approval, and the caller must hold a role whose
 * approval is still pending (and not be the requester, who cancels instead).
 */
export function decideRejection(po: ApprovalState, caller: Caller): Decision {
  if (po.status !== 'submitted') {
    return { ok: false, status: 409, reason: `the purchase order is ${po.status}, not awaiting approval` };
  }
  if (caller.userId === po.requestedBy) {
    return {
      ok: false,
      status: 403,
      reason: 'the requester cancels their purchase order; they cannot reject it',
    };
  }
  const role = pendingRoles(po).find((r) => caller.roles.includes(r));
  if (!role) {
    return { ok: false, status: 403, reason: `only the ${pendingRoles(po).join(' or ')} can reject it now` };
  }
  return { ok: true, role, final: true };
}
