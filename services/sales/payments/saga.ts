import type { Db } from '#platform/data/db.js';
import type { HttpClient } from '#platform/http/client.js';
import type { Bus } from '#platform/messaging/bus.js';
import { recordActivity } from '#platform/observability/activity.js';
import type { SagaDefinition, SagaStatus } from '#platform/sagas/saga.js';
import { PaymentReceived } from '#contracts/sales.js';
import type { PaymentGateway } from './gateway.js';
import {
  lockInvoice,
  lockInvoiceForPayment,
  recordPaid,
  setPaymentStatus,
  type PaymentStatus,
} from './store.js';
import { moveCustomerBalance } from './customer-balance.js';

export const PAYMENT_SAGA = 'payment';

/** What the payment saga carries from step to step (kept as the instance's state). */
export type PaymentState = {
  paymentId: string;
  invoiceId: string;
  invoiceNumber: string;
  organizationId: string;
  companyId: string | null;
  customerId: string;
  customerName: string;
  customerEmail: string;
  amount: string;
  currency: string;
  paymentMethodId: string;
  transactionId?: string;
  declineReason?: string;
  paidAt?: string;
  refundId?: string;
};

/** The payment's status as users see it, from the saga's. */
export const PAYMENT_STATUS_OF: Readonly<Record<SagaStatus, PaymentStatus>> = {
  running: 'pending',
  compensating: 'pending',
  'needs-attention': 'needs-attention',
  completed: 'succeeded',
  failed: 'failed',
  compensated: 'refunded',
};

/** The gateway's key for a payment: derived from the payment, never from the client's own key. */
export const chargeKey = (paymentId: string) => `payment:${paymentId}:charge`;
export const refundKey = (paymentId: string) => `payment:${paymentId}:refund`;

export interface PaymentSagaDeps {
  db: Db;
  bus: Bus;
  http: HttpClient;
  gateway: PaymentGateway;
  retryDelaysMs: readonly number[];
  deadlineMs: number;
}

/**
 * The payment saga: validate, charge, record (payment + invoice paid + `PaymentReceived`, one
 * transaction), then move the customer's balance in Common. Every step is safe to run again after
 * a crash: the charge by its idempotency key at the gateway, the record by the payment's status,
 * the balance by its reference in Common (`payment:<id>`, the same one the event uses).
 */
export function paymentSaga(deps: PaymentSagaDeps): SagaDefinition<PaymentState> {
  const { db, bus, gateway } = deps;
  const unknownOutcome = { delaysMs: deps.retryDelaysMs, deadlineMs: deps.deadlineMs };
  return {
    type: PAYMENT_SAGA,
    steps: [
      {
        name: 'validate',
        async run({ state }) {
          const invoice = await lockInvoice(db, state.organizationId, state.invoiceId);
          if (!invoice) return { outcome: 'fail', reason: 'invoice not found' };
          if (invoice.status !== 'issued') return { outcome: 'fail', reason: `invoice is ${invoice.status}` };
          return { outcome: 'done' };
        },
      },
      {
        name: 'charge',
        retry: unknownOutcome,
        async run({ state }) {
          const charged = await gateway.charge({
            idempotencyKey: chargeKey(state.paymentId),
            amount: state.amount,
            currency: state.currency,
            paymentMethodId: state.paymentMethodId,
            reference: `payment:${state.paymentId}`,
          });
          switch (charged.kind) {
            case 'succeeded':
              return {
                outcome: 'done',
                state: { transactionId: charged.transactionId },
                note: charged.transactionId,
              };
            case 'declined':
              return {
                outcome: 'fail',
                reason: `declined: ${charged.reason}`,
                state: { declineReason: charged.reason },
              };
            case 'unknown':
              return { outcome: 'retry', reason: charged.reason };
          }
        },
        async compensate({ state }) {
          if (!state.transactionId) return { outcome: 'done', note: 'nothing was charged' };
          const refunded = await gateway.refund({
            transactionId: state.transactionId,
            idempotencyKey: refundKey(state.paymentId),
          });
          return refunded.kind === 'refunded'
            ? { outcome: 'done', state: { refundId: refunded.refundId }, note: refunded.refundId }
            : { outcome: 'retry', reason: refunded.reason };
        },
      },
      {
        name: 'record',
        async run({ state }) {
          return db.transaction(async (tx) => {
            const locked = await lockInvoiceForPayment(
              tx,
              state.organizationId,
              state.invoiceId,
              state.paymentId,
            );
            if (locked?.payment.status === 'succeeded') {
              return {
                outcome: 'done' as const,
                state: { paidAt: new Date(locked.payment.paidAt!).toISOString() },
              };
            }
            if (!locked || locked.invoice.status !== 'issued') {
              // Voided while the charge was in flight: the money goes back (the charge's compensation).
              return {
                outcome: 'fail' as const,
                reason: `invoice is ${locked?.invoice.status ?? 'gone'}: refunding`,
              };
            }
            const paidAt = await recordPaid(tx, state.paymentId, state.invoiceId, state.transactionId!);
            await bus.publish(
              tx,
              PaymentReceived,
              {
                paymentId: state.paymentId,
                invoiceId: state.invoiceId,
                invoiceNumber: state.invoiceNumber,
                customerId: state.customerId,
                customerName: state.customerName,
                customerEmail: state.customerEmail,
                amount: state.amount,
                transactionId: state.transactionId!,
                paidAt,
              },
              { organizationId: state.organizationId, companyId: state.companyId },
            );
            recordActivity(tx, 'payment.recorded', {
              paymentId: state.paymentId,
              invoiceId: state.invoiceId,
              transactionId: state.transactionId,
            });
            return { outcome: 'done' as const, state: { paidAt } };
          });
        },
      },
      {
        name: 'update-balance',
        // A failure here does not fail the payment: PaymentReceived moves the balance in Common
        // under the same reference, so whichever comes first moves it, once.
        async run({ state }) {
          const note = await moveCustomerBalance(deps.http, {
            organizationId: state.organizationId,
            customerId: state.customerId,
            amountDelta: `-${state.amount}`,
            reference: `payment:${state.paymentId}`,
          });
          return { outcome: 'done', note };
        },
      },
    ],
    async onStatus(tx, instance) {
      await setPaymentStatus(tx, instance.id, PAYMENT_STATUS_OF[instance.status], {
        failureReason: instance.failureReason,
        transactionId: instance.state.transactionId ?? null,
      });
    },
  };
}
