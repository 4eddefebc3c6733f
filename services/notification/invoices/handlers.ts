import type { Tx } from '#platform/data/db.js';
import { on, type MessageHandler } from '#platform/messaging/bus.js';
import type { PayloadOf } from '#platform/messaging/contract.js';
import type { Envelope } from '#platform/messaging/envelope.js';
import { InvoiceCreated, SendInvoiceEmail, SendPaymentReminder } from '#contracts/index.js';
import type { Mailer } from '../mail/mailer.js';
import { formatMoney } from '../templates/render.js';

/** The invoice mails' messages share the invoice facts; only InvoiceCreated carries the issue date. */
type InvoiceMailPayload = PayloadOf<typeof SendPaymentReminder> &
  Partial<Pick<PayloadOf<typeof InvoiceCreated>, 'issueDate'>>;

/** Invoice mails: the new invoice, an invoice mailed again on request, a payment reminder. */
export function invoiceMailHandlers(mailer: Mailer): MessageHandler[] {
  // The invoice-created mail goes once per invoice even if its fact is published twice (as two
  // messages); an explicit SendInvoiceEmail or a reminder is a mail of its own.
  const invoiceMail =
    (template: 'invoice-created' | 'payment-reminder', oncePerInvoice = false) =>
    async (m: Envelope<InvoiceMailPayload>, tx: Tx) => {
      const p = m.payload;
      const { to, organizationName } = await mailer.customer(tx, m, p);
      await mailer.send(
        tx,
        m,
        template,
        to,
        organizationName,
        {
          invoice: {
            number: p.number,
            amount: formatMoney(p.amount),
            dueDate: p.dueDate,
            issueDate: p.issueDate ?? m.occurredAt.slice(0, 10),
          },
        },
        oncePerInvoice ? `${template}:${p.invoiceId}` : undefined,
      );
    };
  const options = mailer.handlerOptions;
  return [
    on(
      InvoiceCreated,
      'notification.invoices.invoice-created',
      invoiceMail('invoice-created', true),
      options,
    ),
    on(SendInvoiceEmail, 'notification.invoices.send-invoice-email', invoiceMail('invoice-created'), options),
    on(
      SendPaymentReminder,
      'notification.invoices.send-payment-reminder',
      invoiceMail('payment-reminder'),
      options,
    ),
  ];
}
