import { z } from 'zod';
import type { HttpClient } from '#platform/http/client.js';
import { DependencyUnavailableError } from '#platform/http/problem.js';

export interface ChargeRequest {
  /** The same key for every attempt of one payment: the provider charges it at most once. */
  idempotencyKey: string;
  amount: string;
  currency: string;
  paymentMethodId: string;
  reference: string;
}

export type ChargeOutcome =
  | { kind: 'succeeded'; transactionId: string }
  /** The provider said explicitly that it charged nothing: the only answer that fails a payment. */
  | { kind: 'declined'; reason: string }
  /**
   * Anything else (no answer, an error, an answer we do not recognise): money may or may not have
   * moved, so the charge is retried on the same key and the payment stays pending.
   */
  | { kind: 'unknown'; reason: string };

export type RefundOutcome =
  | { kind: 'refunded'; refundId: string }
  | { kind: 'rejected'; reason: string }
  | { kind: 'unknown'; reason: string };

/** A payment provider, as the payment saga needs it; a real one plugs in behind this. */
export interface PaymentGateway {
  charge(req: ChargeRequest): Promise<ChargeOutcome>;
  refund(req: { transactionId: string; idempotencyKey: string }): Promise<RefundOutcome>;
}

const refundBody = z.object({ refund: z.object({ refundId: z.string() }).nullable().optional() });

/** What a success must look like: 201 and a succeeded charge with its transaction. */
const succeededCharge = z.object({ transactionId: z.string().min(1), status: z.literal('succeeded') });
/** What a decline must look like: 402 and a declined charge (a 402 of any other shape is unknown). */
const declinedCharge = z.object({ status: z.literal('declined'), declineReason: z.string().nullable() });

/**
 * Reads the provider's answer to a charge. Only a recognised success or an explicit decline is an
 * outcome; a 200, a 2xx with another body, any other 4xx is not: with a real provider it may have
 * charged, and calling it "nothing charged" would lead to a second charge.
 */
export function chargeOutcomeOf(status: number, body: unknown, text: string): ChargeOutcome {
  if (status === 201) {
    const ok = succeededCharge.safeParse(body);
    if (ok.success) return { kind: 'succeeded', transactionId: ok.data.transactionId };
  }
  if (status === 402) {
    const declined = declinedCharge.safeParse(body);
    if (declined.success) return { kind: 'declined', reason: declined.data.declineReason ?? 'declined' };
  }
  return { kind: 'unknown', reason: `unrecognised gateway answer ${status}: ${text.slice(0, 200)}` };
}

const unknown = (err: unknown) => {
  if (err instanceof DependencyUnavailableError) return { kind: 'unknown' as const, reason: err.message };
  throw err;
};

/**
 * The simulated gateway (services/gateway) over the resilient client: a POST with an
 * Idempotency-Key is retried by the client itself, and the provider answers a repeat with the
 * first charge, so a retry after a timeout never charges twice.
 */
export function simulatedGateway(http: HttpClient, apiKey: string, target = 'gateway'): PaymentGateway {
  // The merchant's key, sent as the provider asks; the target takes no service token (index.ts).
  const headers = { authorization: `Bearer ${apiKey}` };
  return {
    async charge(req) {
      try {
        const res = await http.post(
          target,
          '/api/charges',
          {
            amount: req.amount,
            currency: req.currency,
            paymentMethodId: req.paymentMethodId,
            reference: req.reference,
          },
          { idempotencyKey: req.idempotencyKey, headers },
        );
        return chargeOutcomeOf(res.status, res.body, res.text);
      } catch (err) {
        return unknown(err);
      }
    },
    async refund(req) {
      try {
        const res = await http.post(target, '/api/charges/{id}/refund', undefined, {
          params: { id: req.transactionId },
          idempotencyKey: req.idempotencyKey,
          headers,
        });
        const parsed = refundBody.safeParse(res.body);
        if (res.ok && parsed.success && parsed.data.refund) {
          return { kind: 'refunded', refundId: parsed.data.refund.refundId };
        }
        return { kind: 'rejected', reason: `gateway answered ${res.status}: ${res.text.slice(0, 200)}` };
      } catch (err) {
        return unknown(err);
      }
    },
  };
}
