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
  // The invoice-created mail goes once per invoice, the reminder once per invoice and due date,
  // even if their message comes twice (a fact published again, a sweep run again); an explicit
  // SendInvoiceEmail is a mail of its own.
  const invoiceMail = (
    template: 'invoice-created' | 'payment-reminder',
    once?: (p: InvoiceMailPayload) => string,
  ) => ({
    async handle(m: Envelope<InvoiceMailPayload>, tx: Tx) {
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
        once?.(p),
      );
    },
    // The first of the month brings these by the thousand: a batch reads its contacts at once.
    options: {
      prepare: (ms: ReadonlyArray<Envelope<InvoiceMailPayload>>, tx: Tx) =>
        mailer.prepareCustomerMails(
          tx,
          ms.map((m) => ({ m, customerId: m.payload.customerId, dedupeKey: once?.(m.payload) })),
        ),
    },
  });
  const created = invoiceMail('invoice-created', (p) => `invoice-created:${p.invoiceId}`);
  const again = invoiceMail('invoice-created');
  const reminder = invoiceMail('payment-reminder', (p) => `payment-reminder:${p.invoiceId}:${p.dueDate}`);
  return [
    on(InvoiceCreated, 'notification.invoices.invoice-created', created.handle, created.options),
    on(SendInvoiceEmail, 'notification.invoices.send-invoice-email', again.handle, again.options),
    on(SendPaymentReminder, 'notification.invoices.send-payment-reminder', reminder.handle, reminder.options),
  ];
}
