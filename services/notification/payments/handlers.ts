import { on, type MessageHandler } from '#platform/messaging/bus.js';
import { PaymentReceived } from '#contracts/index.js';
import type { Mailer } from '../mail/mailer.js';
import { formatMoney } from '../templates/render.js';

/** The receipt for a payment, once per payment however often its fact arrives. */
export function paymentMailHandlers(mailer: Mailer): MessageHandler[] {
  const once = (p: { paymentId: string }) => `payment-receipt:${p.paymentId}`;
  return [
    on(
      PaymentReceived,
      'notification.payments.payment-received',
      async (m, tx) => {
        const p = m.payload;
        const { to, organizationName } = await mailer.customer(tx, m, p);
        await mailer.send(
          tx,
          m,
          'payment-receipt',
          to,
          organizationName,
          {
            payment: {
              invoiceNumber: p.invoiceNumber,
              amount: formatMoney(p.amount),
              transactionId: p.transactionId,
              paidAt: p.paidAt,
            },
          },
          once(p),
        );
      },
      {
        prepare: (ms, tx) =>
          mailer.prepareCustomerMails(
            tx,
            ms.map((m) => ({
              m,
              customerId: m.payload.customerId,
              dedupeKey: once(m.payload),
            })),
          ),
      },
    ),
  ];
}
