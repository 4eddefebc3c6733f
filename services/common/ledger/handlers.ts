import type { Tx } from '../../../platform/data/db.js';
import { on, type Bus, type MessageHandler } from '../../../platform/messaging/bus.js';
import type { Envelope } from '../../../platform/messaging/envelope.js';
import { recordActivity } from '../../../platform/observability/activity.js';
import {
  BillCreated,
  CustomerUpdated,
  InvoiceCreated,
  LedgerPosted,
  POApproved,
  PaymentReceived,
  SalaryPosted,
} from '../../../contracts/index.js';
import { changeBalance } from '../customers/store.js';
import { findPosting, postJournal } from './journal-store.js';
import {
  billPosting,
  invoicePosting,
  paymentPosting,
  reservationPosting,
  reservationReversalPosting,
  salaryPosting,
  type Posting,
} from './posting-rules.js';

/**
 * Common's reactions to business facts: each posts its journal once per (document, posting kind)
 * and acknowledges with `LedgerPosted`; invoices and payments also move the customer's balance.
 */
export function ledgerHandlers(bus: Bus): MessageHandler[] {
  const post = async (tx: Tx, m: Envelope, referenceId: string, posting: Posting, entryDate?: string) => {
    const result = await postJournal(
      tx,
      {
        organizationId: m.organizationId,
        companyId: m.companyId,
        referenceId,
        entryDate: entryDate ?? m.occurredAt.slice(0, 10),
        ...posting,
      },
      m.correlationId,
    );
    if (!result.created) {
      await recordActivity(tx, 'ledger.already-posted', { referenceId, postingKind: posting.postingKind });
      return;
    }
    await recordActivity(tx, 'ledger.posted', {
      referenceId,
      postingKind: posting.postingKind,
      journalId: result.journalId,
    });
    await bus.publish(tx, LedgerPosted, {
      referenceType: posting.referenceType,
      referenceId,
      postingKind: posting.postingKind,
      journalId: result.journalId,
    });
  };

  const moveBalance = async (tx: Tx, m: Envelope, customerId: string, reference: string, delta: string) => {
    const change = await changeBalance(tx, m.organizationId, customerId, reference, delta);
    if (change.outcome === 'not-found') {
      // The ledger is still right; the balance cannot follow a customer Common does not know.
      await recordActivity(tx, 'customer.balance-skipped', {
        customerId,
        reference,
        reason: 'unknown customer',
      });
      return;
    }
    if (change.outcome === 'duplicate') return;
    const c = change.customer;
    await recordActivity(tx, 'customer.balance-changed', {
      customerId,
      reference,
      delta,
      balance: c.balance,
    });
    await bus.publish(tx, CustomerUpdated, {
      customerId: c.id,
      name: c.name,
      email: c.email,
      balance: c.balance,
    });
  };

  return [
    on(InvoiceCreated, 'common.ledger.invoice-created', async (m, tx) => {
      const p = m.payload;
      await post(tx, m, p.invoiceId, invoicePosting(p), p.issueDate);
      await moveBalance(tx, m, p.customerId, `invoice:${p.invoiceId}`, p.amount);
    }),
    on(PaymentReceived, 'common.ledger.payment-received', async (m, tx) => {
      const p = m.payload;
      await post(tx, m, p.paymentId, paymentPosting(p), p.paidAt.slice(0, 10));
      await moveBalance(tx, m, p.customerId, `payment:${p.paymentId}`, `-${p.amount}`);
    }),
    on(POApproved, 'common.ledger.po-approved', async (m, tx) => {
      await post(tx, m, m.payload.purchaseOrderId, reservationPosting(m.payload));
    }),
    on(BillCreated, 'common.ledger.bill-created', async (m, tx) => {
      const p = m.payload;
      if (p.purchaseOrderId) {
        const reservation = await findPosting(tx, m.organizationId, p.purchaseOrderId, 'po-reservation');
        // Facts can arrive out of order: wait (retry) for the approval before reversing it.
        if (!reservation) throw new Error(`PO ${p.purchaseOrderId} has no budget reservation posted yet`);
        await post(
          tx,
          m,
          p.purchaseOrderId,
          reservationReversalPosting({ number: p.purchaseOrderId, amount: reservation.amount }),
        );
      }
      await post(tx, m, p.billId, billPosting(p));
    }),
    on(SalaryPosted, 'common.ledger.salary-posted', async (m, tx) => {
      await post(tx, m, m.payload.salaryRunId, salaryPosting(m.payload));
    }),
  ];
}
