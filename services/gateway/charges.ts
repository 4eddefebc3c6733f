import { randomUUID, createHash } from 'node:crypto';
import type { FaultSettings } from './faults.js';

/** A charge as the simulated gateway remembers it. */
export interface Charge {
  transactionId: string;
  status: 'succeeded' | 'declined';
  amount: string;
  currency: string;
  paymentMethodId: string;
  reference: string | null;
  declineReason: string | null;
  createdAt: string;
}

export interface ChargeRequest {
  amount: string;
  currency: string;
  paymentMethodId: string;
  reference?: string | undefined;
}

/** Payment methods that always decline, like a card processor's test cards. */
export const DECLINING_METHODS = new Set(['pm_card_declined', 'pm_insufficient_funds']);

type Outcome = { kind: 'charge'; charge: Charge } | { kind: 'key-reused' };

/**
 * Idempotent charging: a key remembers the request's fingerprint and its first answer, so a
 * client that retries after a timeout is never charged twice.
 */
export class ChargeBook {
  private readonly byKey = new Map<string, { fingerprint: string; charge: Charge }>();
  private readonly byId = new Map<string, Charge>();

  charge(
    idempotencyKey: string,
    request: ChargeRequest,
    faults: FaultSettings,
    random: () => number,
  ): Outcome {
    const fingerprint = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    const seen = this.byKey.get(idempotencyKey);
    if (seen)
      return seen.fingerprint === fingerprint
        ? { kind: 'charge', charge: seen.charge }
        : { kind: 'key-reused' };

    const declined = DECLINING_METHODS.has(request.paymentMethodId) || random() < faults.declineRate;
    const charge: Charge = {
      transactionId: `txn_${randomUUID()}`,
      status: declined ? 'declined' : 'succeeded',
      amount: request.amount,
      currency: request.currency,
      paymentMethodId: request.paymentMethodId,
      reference: request.reference ?? null,
      declineReason: declined ? 'card_declined' : null,
      createdAt: new Date().toISOString(),
    };
    this.byKey.set(idempotencyKey, { fingerprint, charge });
    this.byId.set(charge.transactionId, charge);
    return { kind: 'charge', charge };
  }

  get(transactionId: string): Charge | undefined {
    return this.byId.get(transactionId);
  }
}
