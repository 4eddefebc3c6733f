import { describe, expect, it } from 'vitest';
import type { Principal } from '#platform/auth/claims.js';
import { ProblemError } from '#platform/http/problem.js';
import { checkSmallSpend, checkWithinOrder, remainingOf } from '#services/purchase/bills/rules.js';

const caller = (roles: string[]): Principal => ({
  kind: 'user',
  subject: 'u1',
  organizationId: 'o1',
  companies: [],
  roles,
  permissions: ['bills:write'],
});

const problemOf = (fn: () => void) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProblemError) return err.problem;
    throw err;
  }
  return undefined;
};

describe('what a bill may be', () => {
  it('stays within what the order approved less what was billed, naming both figures', () => {
    expect(remainingOf('1000.00', '400.00')).toBe('600.00');
    expect(remainingOf('1000.00', '1200.00')).toBe('0.00');
    const order = { number: 'PO-202612-0001', amount: '1000.00' };
    expect(problemOf(() => checkWithinOrder(order, '400.00', '600.00'))).toBeUndefined();
    expect(problemOf(() => checkWithinOrder(order, '400.00', '600.01'))).toMatchObject({
      status: 422,
      amount: '600.01',
      remaining: '600.00',
    });
  });

  it('without an order: an accountant or above, up to 10,000', () => {
    expect(problemOf(() => checkSmallSpend(caller(['accountant']), '10000.00'))).toBeUndefined();
    expect(problemOf(() => checkSmallSpend(caller(['admin']), '10000.01'))).toMatchObject({
      status: 422,
      limit: '10000.00',
    });
    // A role that somehow holds bills:write (an external issuer's) is still not an accountant.
    expect(problemOf(() => checkSmallSpend(caller(['manager']), '10.00'))).toMatchObject({ status: 403 });
  });
});
