import type { Tx } from '#platform/data/db.js';
import { upsertReplica } from '#platform/data/replica.js';
import { on, type MessageHandler } from '#platform/messaging/bus.js';
import type { PayloadOf } from '#platform/messaging/contract.js';
import type { Envelope } from '#platform/messaging/envelope.js';
import { recordActivity } from '#platform/observability/activity.js';
import {
  CustomerCreated,
  CustomerUpdated,
  InvoiceCreated,
  OrganizationRegistered,
  PaymentReceived,
  POApproved,
  PORejected,
  POSubmitted,
  SalaryPosted,
  SendInvoiceEmail,
  SendPaymentReminder,
  UserCreated,
  userReplicaRow,
} from '#contracts/index.js';
import { deliverOnce, uuidFromKey } from './mail/delivery.js';
import type { MailSender } from './mail/sender.js';
import {
  contactOf,
  organizationNameOf,
  pickRecipient,
  upsertContact,
  upsertOrganization,
  userOf,
  usersWithRoles,
} from './replicas.js';
import { formatMoney, renderMail, type TemplateData, type TemplateName } from './templates/render.js';

/** Thrown when a mail has no one to go to yet: retried (the replica may catch up), then dead-lettered. */
export class NoRecipientError extends Error {
  override name = 'NoRecipientError';
}

const FALLBACK_ORGANIZATION_NAME = 'Dhanman';

/** The invoice mails' messages share the invoice facts; only InvoiceCreated carries the issue date. */
type InvoiceMailPayload = PayloadOf<typeof SendPaymentReminder> &
  Partial<Pick<PayloadOf<typeof InvoiceCreated>, 'issueDate'>>;

const poFacts = (p: PayloadOf<typeof POSubmitted | typeof POApproved | typeof PORejected>) => ({
  number: p.number,
  amount: formatMoney(p.amount),
  vendorName: p.vendorName,
});

export function notificationHandlers(sender: MailSender): MessageHandler[] {
  // A mail sent over SMTP cannot be rolled back: its handler never shares a transaction (and a
  // neighbour's failure) with other messages. The embedded mailbox is a table, so it can.
  const smtp = { isolated: sender.kind !== 'mailbox' };
  const send = async <N extends TemplateName>(
    tx: Tx,
    m: Envelope,
    template: N,
    to: { name: string; email: string },
    /** Resolved by the caller once per message, however many recipients it has. */
    organizationName: string,
    /** The template's own facts; the names every mail greets with are added here. */
    data: Omit<TemplateData[N], 'organizationName' | 'recipientName'>,
    /** What makes this mail "the same mail" (default: the message). */
    dedupeKey?: string,
  ) => {
    const rendered = renderMail(template, {
      organizationName,
      recipientName: to.name,
      ...data,
    } as TemplateData[N]);
    return deliverOnce(tx, sender, {
      ...rendered,
      to: to.email,
      messageId: dedupeKey ? uuidFromKey(`${m.organizationId}:${dedupeKey}`) : m.messageId,
      sharedId: dedupeKey !== undefined,
      organizationId: m.organizationId,
      correlationId: m.correlationId,
      template,
      headers: {
        'X-Correlation-Id': m.correlationId,
        'X-Dhanman-Message-Id': m.messageId,
        'X-Dhanman-Template': template,
      },
    });
  };

  const organizationOf = async (tx: Tx, m: Envelope) =>
    (await organizationNameOf(tx, m.organizationId)) ?? FALLBACK_ORGANIZATION_NAME;

  // The customer's contact and the organization's name come in one query.
  const customer = async (
    tx: Tx,
    m: Envelope,
    p: { customerId: string; customerName?: string | undefined; customerEmail?: string | undefined },
  ) => {
    const { contact, organizationName } = await contactOf(tx, m.organizationId, p.customerId);
    const to = pickRecipient(
      { name: p.customerName, email: p.customerEmail, at: new Date(m.occurredAt) },
      contact,
    );
    if (!to) throw new NoRecipientError(`no email address known for customer ${p.customerId} yet`);
    return { to, organizationName: organizationName ?? FALLBACK_ORGANIZATION_NAME };
  };

  const user = async (tx: Tx, m: Envelope, userId: string) => {
    const found = await userOf(tx, m.organizationId, userId);
    if (!found) throw new NoRecipientError(`no email address known for user ${userId} yet`);
    return found;
  };

  // The invoice-created mail and the payment reminder go once per invoice even if their message is
  // sent twice (a fact published again, a reminder job retried or run by hand); an explicit
  // SendInvoiceEmail is a mail of its own.
  const invoiceMail =
    (template: 'invoice-created' | 'payment-reminder', oncePerInvoice = false) =>
    async (m: Envelope<InvoiceMailPayload>, tx: Tx) => {
      const p = m.payload;
      const { to, organizationName } = await customer(tx, m, p);
      await send(
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

  const poDecision = async (
    tx: Tx,
    m: Envelope<PayloadOf<typeof POApproved | typeof PORejected>>,
    template: 'po-approved' | 'po-rejected',
    decidedBy: string,
  ) => {
    const p = m.payload;
    const requester = await user(tx, m, p.requestedBy);
    const decider = await userOf(tx, m.organizationId, decidedBy);
    await send(tx, m, template, requester, await organizationOf(tx, m), {
      po: { ...poFacts(p), decidedByName: decider?.name ?? 'an approver', comments: p.comments },
    });
  };

  // Created or updated, the contact is the same copy: the name and email of the latest event.
  const replicateContact = (m: Envelope<{ customerId: string; name: string; email: string }>, tx: Tx) =>
    upsertContact(tx, {
      id: m.payload.customerId,
      organizationId: m.organizationId,
      name: m.payload.name,
      email: m.payload.email,
      at: m.occurredAt,
    });

  return [
    on(OrganizationRegistered, 'notification.replica.organization', async (m, tx) => {
      await upsertOrganization(tx, m.payload.organizationId, m.payload.name, m.occurredAt);
    }),
    on(CustomerCreated, 'notification.replica.customer-created', replicateContact),
    on(CustomerUpdated, 'notification.replica.customer-updated', replicateContact),
    on(UserCreated, 'notification.replica.user', (m, tx) =>
      upsertReplica(tx, 'user_replica', userReplicaRow(m), m.occurredAt),
    ),
    on(InvoiceCreated, 'notification.mail.invoice-created', invoiceMail('invoice-created', true), smtp),
    on(SendInvoiceEmail, 'notification.mail.send-invoice-email', invoiceMail('invoice-created'), smtp),
    on(
      SendPaymentReminder,
      'notification.mail.payment-reminder',
      invoiceMail('payment-reminder', true),
      smtp,
    ),
    on(
      PaymentReceived,
      'notification.mail.payment-receipt',
      async (m, tx) => {
        const p = m.payload;
        const { to, organizationName } = await customer(tx, m, p);
        await send(
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
          `payment-receipt:${p.paymentId}`,
        );
      },
      smtp,
    ),
    on(
      POSubmitted,
      'notification.mail.po-approval-required',
      async (m, tx) => {
        const p = m.payload;
        const approvers = await usersWithRoles(tx, m.organizationId, p.requiredRoles);
        if (approvers.length === 0) {
          throw new NoRecipientError(
            `no users with role ${p.requiredRoles.join(' or ')} known in the organization yet`,
          );
        }
        const requester = await userOf(tx, m.organizationId, p.requestedBy);
        const organizationName = await organizationOf(tx, m);
        for (const approver of approvers) {
          await send(tx, m, 'po-approval-required', approver, organizationName, {
            po: {
              ...poFacts(p),
              requestedByName: requester?.name ?? 'a colleague',
              requiredRoles: p.requiredRoles,
            },
          });
        }
      },
      smtp,
    ),
    on(
      POApproved,
      'notification.mail.po-approved',
      (m, tx) => poDecision(tx, m, 'po-approved', m.payload.approvedBy),
      smtp,
    ),
    on(
      PORejected,
      'notification.mail.po-rejected',
      (m, tx) => poDecision(tx, m, 'po-rejected', m.payload.rejectedBy),
      smtp,
    ),
    on(
      SalaryPosted,
      'notification.mail.payslip',
      async (m, tx) => {
        let skipped = 0;
        const organizationName = await organizationOf(tx, m);
        for (const slip of m.payload.payslips) {
          if (!slip.email) {
            skipped += 1;
            continue;
          }
          const to = { name: slip.name, email: slip.email };
          await send(tx, m, 'payslip', to, organizationName, {
            payslip: { period: m.payload.period, netPay: formatMoney(slip.netPay) },
          });
        }
        if (skipped > 0)
          await recordActivity(tx, 'email.payslips-skipped', { skipped, reason: 'no email address' });
      },
      smtp,
    ),
  ];
}
