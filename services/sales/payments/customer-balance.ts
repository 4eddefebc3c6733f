import { z } from 'zod';
import type { HttpClient } from '#platform/http/client.js';

const balanceAnswer = z.object({ balance: z.string(), applied: z.boolean() });

/**
 * Moves a customer's balance in Common once per reference. Never throws: it says what happened,
 * for the step's note (Common's own handler of the payment's event covers a failure here).
 */
export async function moveCustomerBalance(
  http: HttpClient,
  change: { organizationId: string; customerId: string; amountDelta: string; reference: string },
): Promise<string> {
  try {
    const res = await http.post(
      'common',
      '/api/customers/{id}/update-balance',
      { amountDelta: change.amountDelta, reference: change.reference },
      {
        params: { id: change.customerId },
        organizationId: change.organizationId,
        idempotencyKey: change.reference,
        schema: balanceAnswer,
      },
    );
    if (!res.ok) return `Common answered ${res.status}; the payment's event moves the balance`;
    return res.body.applied
      ? `balance moved to ${res.body.balance}`
      : `balance already moved (by the payment's event): ${res.body.balance}`;
  } catch (err) {
    return `Common unreachable (${err instanceof Error ? err.message : String(err)}); the payment's event moves the balance`;
  }
}
