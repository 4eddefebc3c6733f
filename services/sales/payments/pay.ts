import { randomUUID } from 'node:crypto';
import type { Db } from '#platform/data/db.js';
import { isUniqueViolation } from '#platform/data/postgres.js';
import { recordActivity } from '#platform/observability/activity.js';
import type { SagaSnapshot, Sagas } from '#platform/sagas/engine.js';
import { isActive } from '#platform/sagas/saga.js';
import { PAYMENT_SAGA, type PaymentState } from './saga.js';
import { insertPayment, lockInvoice, openPaymentOf } from './store.js';

export type PayOutcome =
  | { kind: 'not-found' }
  | { kind: 'conflict'; reason: string; paymentId?: string }
  | { kind: 'succeeded'; paymentId: string; transactionId: string }
  | { kind: 'declined'; paymentId: string; reason: string }
  | { kind: 'pending'; paymentId: string }
  | { kind: 'refunded'; paymentId: string; reason: string };

export interface PayRequest {
  organizationId: string;
  invoiceId: string;
  paymentMethodId: string;
  /** Only this customer's invoices may be paid (a resident); undefined: any of the organization's. */
  customerId: string | null | undefined;
  requestedBy: string | null;
  idempotencyKey: string | null;
  correlationId: string;
  currency: string;
  settleWaitMs: number;
}

const settled = (s: SagaSnapshot) => s.completedSteps.includes('record') || !isActive(s.status);

/**
 * Pays an invoice: the rules and the payment row (one per invoice in progress, enforced by the
 * database) and the saga's start commit together; nothing is charged when they refuse. Then it
 * waits a little for the saga, so a quick gateway gives the caller the outcome at once.
 */
export async function payInvoice(db: Db, sagas: Sagas, req: PayRequest): Promise<PayOutcome> {
  const paymentId = randomUUID();
  let refused: PayOutcome | null;
  try {
    refused = await db.transaction(async (tx) => {
      const invoice = await lockInvoice(tx, req.organizationId, req.invoiceId);
      if (!invoice) return { kind: 'not-found' as const };
      if (req.customerId !== undefined && invoice.customerId !== req.customerId)
        return { kind: 'not-found' as const };
      const open = await openPaymentOf(tx, invoice.id);
      if (open) {
        const reason =
          open.status === 'succeeded' ? 'invoice is paid' : 'a payment of this invoice is in progress';
        return { kind: 'conflict' as const, reason, paymentId: open.id };
      }
      if (invoice.status !== 'issued')
        return { kind: 'conflict' as const, reason: `invoice is ${invoice.status}` };
      await insertPayment(tx, {
        id: paymentId,
        invoice,
        paymentMethodId: req.paymentMethodId,
        idempotencyKey: req.idempotencyKey,
        requestedBy: req.requestedBy,
        correlationId: req.correlationId,
      });
      const state: PaymentState = {
        paymentId,
        invoiceId: invoice.id,
        invoiceNumber: invoice.number,
        organizationId: invoice.organizationId,
        companyId: invoice.companyId,
        customerId: invoice.customerId,
        customerName: invoice.customerName,
        customerEmail: invoice.customerEmail,
        amount: invoice.amount,
        currency: req.currency,
        paymentMethodId: req.paymentMethodId,
      };
      // The checks above are the saga's validate step, done under the invoice's lock with the
      // payment's insert: recorded done, not run again.
      await sagas.start(tx, PAYMENT_SAGA, {
        done: ['validate'],
        id: paymentId,
        state,
        organizationId: invoice.organizationId,
        correlationId: req.correlationId,
      });
      recordActivity(tx, 'payment.requested', { paymentId, invoiceId: invoice.id });
      return null;
    });
  } catch (err) {
    // Another payment of the invoice committed between our check and insert.
    if (isUniqueViolation(err))
      return { kind: 'conflict', reason: 'a payment of this invoice is in progress' };
    throw err;
  }
  if (refused) return refused;

  const s = await sagas.watch(paymentId, settled, req.settleWaitMs);
  if (!s || !settled(s)) return { kind: 'pending', paymentId };
  const state = s.state as Partial<PaymentState>;
  if (s.completedSteps.includes('record') || s.status === 'completed') {
    return { kind: 'succeeded', paymentId, transactionId: state.transactionId ?? '' };
  }
  if (s.status === 'compensated')
    return { kind: 'refunded', paymentId, reason: s.failureReason ?? 'refunded' };
  if (state.declineReason) return { kind: 'declined', paymentId, reason: state.declineReason };
  return { kind: 'conflict', reason: s.failureReason ?? 'the payment could not be made', paymentId };
}
