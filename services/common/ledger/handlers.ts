import type { Tx } from '#platform/data/db.js';
import { on, type Bus, type MessageHandler } from '#platform/messaging/bus.js';
import type { Envelope } from '#platform/messaging/envelope.js';
import { recordActivity } from '#platform/observability/activity.js';
import {
  BillCreated,
  InvoiceCreated,
  InvoiceVoided,
  LedgerPosted,
  POApproved,
  PaymentReceived,
  SalaryPosted,
} from '#contracts/index.js';
import { moveBalanceAtCommit } from '../customers/store.js';
import { findPosting, postJournal } from './journal-store.js';
import {
  billPosting,
  invoicePosting,
  invoiceVoidPosting,
  paymentPosting,
  reservationPosting,
  reservationReversalPosting,
  salaryPosting,
  type Posting,
} from './posting-rules.js';

/**
 * Common's reactions to business facts: each posts its journal once per (document, posting kind)
 * and acknowledges with `LedgerPosted`; invoices and payments also move the customer's balance
 * (customers/balance.ts, once per document) in the same handler: one handler per message type
 * keeps the batched consumer path (and the posting and the balance commit together).
 */
export function ledgerHandlers(bus: Bus, hooks: { brokenInvoiceBalance?: boolean } = {}): MessageHandler[] {
  const post = async (
    tx: Tx,
    m: Envelope,
    referenceId: string,
    posting: Posting,
    entryDate?: string,
    note: Record<string, unknown> = {},
  ) => {
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
      { referenceId, postingKind: posting.postingKind, ...note },
    );
    if (!result.created) {
      recordActivity(tx, 'ledger.already-posted', {
        referenceId,
        postingKind: posting.postingKind,
        journalId: result.journalId,
      });
      return;
    }
    await bus.publish(tx, LedgerPosted, {
      referenceType: posting.referenceType,
      referenceId,
      postingKind: posting.postingKind,
      journalId: result.journalId,
    });
  };

  /**
   * The customer's balance follows the fact once per reference, written with the COMMIT (nothing
   * here waits on it); the journal's activity names the reference the move is recorded under.
   */
  const moveBalance = (tx: Tx, m: Envelope, customerId: string, reference: string, delta: string) => {
    moveBalanceAtCommit(tx, m.organizationId, customerId, reference, delta, m.correlationId);
    return { customerId, balanceReference: reference };
  };

  return [
    on(InvoiceCreated, 'common.ledger.invoice-created', async (m, tx) => {
      const p = m.payload;
      const note = moveBalance(tx, m, p.customerId, `invoice:${p.invoiceId}`, p.amount);
      if (hooks.brokenInvoiceBalance) {
        // The deliberate bug of test-hooks.ts: the same invoice moves the balance a second time.
        moveBalance(tx, m, p.customerId, `invoice-again:${p.invoiceId}`, p.amount);
      }
      await post(tx, m, p.invoiceId, invoicePosting(p), p.issueDate, note);
    }),
    on(InvoiceVoided, 'common.ledger.invoice-voided', async (m, tx) => {
      const p = m.payload;
      const note = moveBalance(tx, m, p.customerId, `invoice-void:${p.invoiceId}`, `-${p.amount}`);
      await post(tx, m, p.invoiceId, invoiceVoidPosting(p), p.voidedAt.slice(0, 10), note);
    }),
    on(PaymentReceived, 'common.ledger.payment-received', async (m, tx) => {
      const p = m.payload;
      const note = moveBalance(tx, m, p.customerId, `payment:${p.paymentId}`, `-${p.amount}`);
      await post(tx, m, p.paymentId, paymentPosting(p), p.paidAt.slice(0, 10), note);
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
