import { z } from 'zod';
import { defineCommand, defineEvent } from '#platform/messaging/contract.js';
import { isoDateSchema, moneyString } from '#contracts/money.js';

/**
 * Messages of the Sales service. Invoice messages carry the customer's name and email as Sales
 * saw them when it validated the customer with Common, so Notification can mail at once even
 * if `CustomerCreated` has not reached its replica yet (the replica still wins when newer).
 */

const invoiceFacts = {
  invoiceId: z.uuid(),
  number: z.string().min(1),
  customerId: z.uuid(),
  customerName: z.string().min(1).optional(),
  customerEmail: z.email().optional(),
  amount: moneyString,
  dueDate: isoDateSchema,
};

export const InvoiceCreated = defineEvent({
  type: 'sales.invoice-created',
  version: 1,
  schema: z.object({ ...invoiceFacts, issueDate: isoDateSchema }),
});

export const PaymentReceived = defineEvent({
  type: 'sales.payment-received',
  version: 1,
  schema: z.object({
    paymentId: z.uuid(),
    invoiceId: z.uuid(),
    invoiceNumber: z.string().min(1),
    customerId: z.uuid(),
    customerName: z.string().min(1).optional(),
    customerEmail: z.email().optional(),
    amount: moneyString,
    transactionId: z.string().min(1),
    paidAt: z.iso.datetime(),
  }),
});

/** An issued, unpaid invoice was voided: Common reverses its posting and the customer's balance. */
export const InvoiceVoided = defineEvent({
  type: 'sales.invoice-voided',
  version: 1,
  schema: z.object({
    invoiceId: z.uuid(),
    number: z.string().min(1),
    customerId: z.uuid(),
    amount: moneyString,
    voidedAt: z.iso.datetime(),
  }),
});

/** Mail an invoice to its customer (again); the template defaults to `invoice-created`. */
export const SendInvoiceEmail = defineCommand({
  type: 'notification.send-invoice-email',
  version: 1,
  target: 'notification',
  schema: z.object({ ...invoiceFacts, template: z.literal('invoice-created').default('invoice-created') }),
});

/** Remind a customer that an unpaid invoice falls due soon. */
export const SendPaymentReminder = defineCommand({
  type: 'notification.send-payment-reminder',
  version: 1,
  target: 'notification',
  schema: z.object(invoiceFacts),
});
