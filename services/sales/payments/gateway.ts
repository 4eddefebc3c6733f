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
  | { kind: 'declined'; reason: string }
  /** The provider refused the request itself (not the card): retrying cannot help. */
  | { kind: 'rejected'; reason: string }
  /** No answer, or an error: money may or may not have moved. */
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

const chargeBody = z.object({
  transactionId: z.string(),
  status: z.enum(['succeeded', 'declined']),
  declineReason: z.string().nullable(),
  refund: z.object({ refundId: z.string() }).nullable().optional(),
});

const unknown = (err: unknown) => {
  if (err instanceof DependencyUnavailableError) return { kind: 'unknown' as const, reason: err.message };
  throw err;
};

/**
 * The simulated gateway (services/gateway) over the resilient client: a POST with an
 * Idempotency-Key is retried by the client itself, and the provider answers a repeat with the
 * first charge, so a retry after a timeout never charges twice.
 */
export function simulatedGateway(http: HttpClient, target = 'gateway'): PaymentGateway {
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
          { idempotencyKey: req.idempotencyKey },
        );
        const parsed = chargeBody.safeParse(res.body);
        if ((res.status === 201 || res.status === 402) && parsed.success) {
          return parsed.data.status === 'succeeded'
            ? { kind: 'succeeded', transactionId: parsed.data.transactionId }
            : { kind: 'declined', reason: parsed.data.declineReason ?? 'declined' };
        }
        return { kind: 'rejected', reason: `gateway answered ${res.status}: ${res.text.slice(0, 200)}` };
      } catch (err) {
        return unknown(err);
      }
    },
    async refund(req) {
      try {
        const res = await http.post(target, '/api/charges/{id}/refund', undefined, {
          params: { id: req.transactionId },
          idempotencyKey: req.idempotencyKey,
        });
        const parsed = chargeBody.safeParse(res.body);
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
