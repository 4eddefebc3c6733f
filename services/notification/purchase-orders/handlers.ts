import type { Tx } from '#platform/data/db.js';
import { on, type MessageHandler } from '#platform/messaging/bus.js';
import type { PayloadOf } from '#platform/messaging/contract.js';
import type { Envelope } from '#platform/messaging/envelope.js';
import { POApproved, PORejected, POSubmitted } from '#contracts/index.js';
import { NoRecipientError, type Mailer } from '../mail/mailer.js';
import { userOf, usersWithRoles } from '../replicas/store.js';
import { formatMoney } from '../templates/render.js';

const poFacts = (p: PayloadOf<typeof POSubmitted | typeof POApproved | typeof PORejected>) => ({
  number: p.number,
  amount: formatMoney(p.amount),
  vendorName: p.vendorName,
});

/** Purchase-order mails: every approver a submitted PO needs, and the requester the decision. */
export function purchaseOrderMailHandlers(mailer: Mailer): MessageHandler[] {
  const decision = async (
    tx: Tx,
    m: Envelope<PayloadOf<typeof POApproved | typeof PORejected>>,
    template: 'po-approved' | 'po-rejected',
    decidedBy: string,
  ) => {
    const p = m.payload;
    const requester = await mailer.user(tx, m, p.requestedBy);
    const decider = await userOf(tx, m.organizationId, decidedBy);
    await mailer.send(
      tx,
      m,
      template,
      requester,
      await mailer.organizationOf(tx, m),
      { po: { ...poFacts(p), decidedByName: decider?.name ?? 'an approver', comments: p.comments } },
      `${template}:${p.purchaseOrderId}`,
    );
  };
  return [
    on(POSubmitted, 'notification.purchase-orders.po-submitted', async (m, tx) => {
      const p = m.payload;
      // The requester cannot approve their own order, so they get no approval request.
      const approvers = (await usersWithRoles(tx, m.organizationId, p.requiredRoles)).filter(
        (u) => u.id !== p.requestedBy,
      );
      if (approvers.length === 0) {
        throw new NoRecipientError(
          `no users with role ${p.requiredRoles.join(' or ')} known in the organization yet`,
        );
      }
      const requester = await userOf(tx, m.organizationId, p.requestedBy);
      const organizationName = await mailer.organizationOf(tx, m);
      for (const approver of approvers) {
        await mailer.send(
          tx,
          m,
          'po-approval-required',
          approver,
          organizationName,
          {
            po: {
              ...poFacts(p),
              requestedByName: requester?.name ?? 'a colleague',
              requiredRoles: p.requiredRoles,
            },
          },
          `po-approval-required:${p.purchaseOrderId}`,
        );
      }
    }),
    on(POApproved, 'notification.purchase-orders.po-approved', (m, tx) =>
      decision(tx, m, 'po-approved', m.payload.approvedBy),
    ),
    on(PORejected, 'notification.purchase-orders.po-rejected', (m, tx) =>
      decision(tx, m, 'po-rejected', m.payload.rejectedBy),
    ),
  ];
}
