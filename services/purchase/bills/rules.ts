import { Decimal } from 'decimal.js';
import type { Principal } from '#platform/auth/claims.js';
import { forbidden, PROBLEM_TYPES, ProblemError } from '#platform/http/problem.js';
import { canonicalMoney } from '#contracts/money.js';

/**
 * What a bill may be, so no bill gets around the purchase order approvals: a bill for an order
 * stays within what was approved and not billed yet; a bill without one is a small spend.
 */

/** A bill without a purchase order may be this much at most; anything larger needs an order. */
export const SMALL_SPEND_LIMIT = new Decimal('10000');
/** Who may record a bill without a purchase order: an accountant or above. */
export const SMALL_SPEND_ROLES: readonly string[] = ['accountant', 'cfo', 'admin'];

const money = (d: Decimal) => canonicalMoney(d.toFixed(2));

/** What is left of an approved order to bill: the approved total less the bills made against it. */
export function remainingOf(approved: string, billed: string): string {
  return money(Decimal.max(new Decimal(approved).minus(billed), 0));
}

/** 422 with both figures when the bill exceeds what is left of the order. */
export function checkWithinOrder(
  order: { number: string; amount: string },
  billed: string,
  amount: string,
): void {
  const remaining = remainingOf(order.amount, billed);
  if (new Decimal(amount).lessThanOrEqualTo(remaining)) return;
  throw new ProblemError({
    type: PROBLEM_TYPES.unprocessable,
    title: 'Bill exceeds its purchase order',
    status: 422,
    detail: `The bill of ${amount} exceeds the ${remaining} left to bill on purchase order ${order.number} (approved ${order.amount}, billed ${billed}).`,
    amount,
    remaining,
    approved: order.amount,
    billed,
    errors: [{ in: 'body', path: 'amount', message: `more than the ${remaining} left on the order` }],
  });
}

/**
 * A bill without an order: by an accountant or above (403), at most the small-spend limit (422,
 * with the limit and the amount): a larger spend goes through an order and its approvals.
 */
export function checkSmallSpend(principal: Principal, amount: string): void {
  if (!principal.roles.some((r) => SMALL_SPEND_ROLES.includes(r))) {
    throw forbidden('A bill without a purchase order needs an accountant (or a CFO or an admin).');
  }
  if (new Decimal(amount).lessThanOrEqualTo(SMALL_SPEND_LIMIT)) return;
  const limit = money(SMALL_SPEND_LIMIT);
  throw new ProblemError({
    type: PROBLEM_TYPES.unprocessable,
    title: 'Purchase order required',
    status: 422,
    detail: `A bill without a purchase order is for small spends up to ${limit}; ${amount} needs a purchase order and its approvals.`,
    amount,
    limit,
    errors: [{ in: 'body', path: 'purchaseOrderId', message: `required above ${limit}` }],
  });
}
