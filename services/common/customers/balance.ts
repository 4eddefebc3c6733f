import type { Tx } from '#platform/data/db.js';
import { notFound, unprocessable } from '#platform/http/problem.js';
import type { Work, Written } from '#platform/http/write.js';
import { CustomerUpdated } from '#contracts/common.js';
import { changeBalance, customerFacts } from './store.js';

/** What the balance route answers. */
export interface BalanceMoved {
  customerId: string;
  balance: string;
  applied: boolean;
  reference: string;
}

/**
 * Moves a customer's balance by hand (once per reference) and announces the new balance
 * (CustomerUpdated), for `runWrite`; a repeat of the reference changes and announces nothing.
 */
export function moveBalance(organizationId: string, customerId: string, reference: string, delta: string) {
  if (delta === '0.00') {
    throw unprocessable('amountDelta must not be zero', [
      { in: 'body', path: 'amountDelta', message: 'zero' },
    ]);
  }
  return async ({ tx, publish }: Work): Promise<Written<BalanceMoved>> => {
    const change = await changeBalance(tx, organizationId, customerId, reference, delta);
    if (change.outcome === 'not-found') throw notFound(`customer ${customerId} does not exist`);
    const c = change.customer;
    const applied = change.outcome === 'applied';
    if (applied) await publish(CustomerUpdated, customerFacts(c), { companyId: c.companyId });
    return {
      status: 200,
      body: { customerId: c.id, balance: c.balance, applied, reference },
      ...(applied
        ? { activity: { action: 'customer.balance-changed', detail: { customerId: c.id, reference, delta } } }
        : {}),
    };
  };
}

/**
 * Moves the balance for a business fact (an invoice raised, a payment received), once per
 * reference, inside the ledger handler's transaction; says what happened, for the journal's
 * activity note. It publishes no `CustomerUpdated`: the fact that causes it is on the bus already,
 * and the customer's details did not change.
 */
export async function moveBalanceForFact(
  tx: Tx,
  organizationId: string,
  customerId: string,
  reference: string,
  delta: string,
): Promise<Record<string, unknown>> {
  const change = await changeBalance(tx, organizationId, customerId, reference, delta);
  switch (change.outcome) {
    case 'applied':
      return { customerId, balance: change.customer.balance };
    case 'duplicate':
      return { customerId, balance: change.customer.balance, balanceAlreadyMoved: true };
    case 'not-found':
      // The ledger is still right; the balance cannot follow a customer Common does not know.
      return { customerId, balanceSkipped: 'unknown customer' };
  }
}
