import type { Principal } from '#platform/auth/claims.js';
import { forbidden, notFound, unprocessable } from '#platform/http/problem.js';
import type { Work, Written } from '#platform/http/write.js';
import { CustomerUpdated } from '#contracts/common.js';
import { changeBalance, customerFacts } from './store.js';

/**
 * References the system gives its own movements, and the one service that may name each over
 * HTTP: the payment saga's `payment:<id>` is Sales'; the others are Common's own postings (its
 * ledger handlers, the adjusting journal, the Idempotency-Key fallback) and nobody's over HTTP.
 * A caller naming one could otherwise move the balance first and make the real movement a repeat.
 */
export const SYSTEM_REFERENCES: Readonly<Record<string, string | null>> = {
  'payment:': 'sales',
  'invoice:': null,
  'invoice-void:': null,
  'bill:': null,
  'salary:': null,
  'journal:': null,
  'idempotency:': null,
};

/**
 * Who may move a balance by hand: a service, for the organization it was given a token for. A
 * user (an accountant, an admin) never does: their way is an adjusting journal, which the ledger
 * keeps. A system reference only from the service that owns it.
 */
export function assertBalanceCaller(principal: Principal, reference: string | undefined): void {
  if (principal.kind !== 'service') {
    throw forbidden(
      'Only a service moves a balance this way; post an adjusting journal (POST /api/ledger/journals).',
    );
  }
  if (reference === undefined) return;
  const prefix = Object.keys(SYSTEM_REFERENCES).find((p) => reference.toLowerCase().startsWith(p));
  if (prefix === undefined) return;
  const owner = SYSTEM_REFERENCES[prefix];
  if (owner === null || principal.subject !== `service:${owner}`) {
    throw forbidden(
      `References starting ${prefix} are ${owner ? `the ${owner} service's` : 'Common’s own'}; use another reference.`,
    );
  }
}

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
