import { randomUUID, createHash } from 'node:crypto';
import type { FaultSettings } from './faults.js';
import type { ChargeLog } from './charge-log.js';

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
  refund: { refundId: string; refundedAt: string } | null;
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

/** One line of the log: a charge made under a key, or a refund of one. */
export type ChargeEntry =
  | { kind: 'charge'; idempotencyKey: string; fingerprint: string; charge: Charge }
  | { kind: 'refund'; transactionId: string; refundId: string; refundedAt: string };

/**
 * Idempotent charging: a key remembers the request's fingerprint and its first answer, so a
 * client that retries after a timeout (or after the gateway restarted) is never charged twice.
 * Every change is appended to the log before it is answered.
 */
export class ChargeBook {
  private readonly byKey = new Map<string, { fingerprint: string; charge: Charge }>();
  private readonly byId = new Map<string, Charge>();

  constructor(private readonly log: ChargeLog) {
    for (const entry of log.load()) this.apply(entry);
  }

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
      refund: null,
    };
    this.record({ kind: 'charge', idempotencyKey, fingerprint, charge });
    return { kind: 'charge', charge };
  }

  /** Refunds a succeeded charge once; a repeat answers the same refund. */
  refund(
    transactionId: string,
  ): { kind: 'refunded'; charge: Charge } | { kind: 'not-found' } | { kind: 'not-refundable' } {
    const charge = this.byId.get(transactionId);
    if (!charge) return { kind: 'not-found' };
    if (charge.status !== 'succeeded') return { kind: 'not-refundable' };
    if (!charge.refund) {
      this.record({
        kind: 'refund',
        transactionId,
        refundId: `re_${randomUUID()}`,
        refundedAt: new Date().toISOString(),
      });
    }
    return { kind: 'refunded', charge: this.byId.get(transactionId)! };
  }

  get(transactionId: string): Charge | undefined {
    return this.byId.get(transactionId);
  }

  /** Charges, oldest first, optionally those made for one reference. */
  list(reference?: string): Charge[] {
    return [...this.byId.values()].filter((c) => reference === undefined || c.reference === reference);
  }

  private record(entry: ChargeEntry): void {
    this.log.append(entry);
    this.apply(entry);
  }

  private apply(entry: ChargeEntry): void {
    if (entry.kind === 'charge') {
      const charge = { ...entry.charge, refund: entry.charge.refund ?? null };
      this.byKey.set(entry.idempotencyKey, { fingerprint: entry.fingerprint, charge });
      this.byId.set(charge.transactionId, charge);
      return;
    }
    const charge = this.byId.get(entry.transactionId);
    if (charge) charge.refund = { refundId: entry.refundId, refundedAt: entry.refundedAt };
  }
}
