import type { Tx } from '#platform/data/db.js';
import { on, type Bus, type MessageHandler } from '#platform/messaging/bus.js';
import type { PayloadOf } from '#platform/messaging/contract.js';
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
import type { PostingKind } from '#contracts/common.js';
import { moveBalanceAtCommit } from '../customers/store.js';
import type { JournalInput } from './journal.js';
import {
  findPosting,
  postedOrExisting,
  postJournal,
  postJournals,
  type JournalPost,
} from './journal-store.js';
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
 * Journals a batch's `prepare` posted ahead, per transaction: by message id, the new journal's id,
 * or undefined when the document had been posted before.
 */
const postedAhead = new WeakMap<Tx, Map<string, string | undefined>>();

/** A business fact's journal: never an adjustment (those are posted by hand, not acknowledged). */
type FactJournal = JournalPost & { input: JournalInput & { postingKind: PostingKind } };

/** The reference an invoice moves its customer's balance under (once per invoice). */
const invoiceReference = (p: { invoiceId: string }) => `invoice:${p.invoiceId}`;

/** The journal's activity names the reference the customer's balance moved under. */
const balanceNote = (customerId: string, reference: string) => ({ customerId, balanceReference: reference });

/**
 * Common's reactions to business facts: each posts its journal once per (document, posting kind)
 * and acknowledges with `LedgerPosted`; invoices and payments also move the customer's balance
 * (once per document, written with the COMMIT) in the same handler: one handler per message type
 * keeps the batched consumer path (and the posting and the balance commit together).
 */
export function ledgerHandlers(bus: Bus, hooks: { brokenInvoiceBalance?: boolean } = {}): MessageHandler[] {
  /** What a fact posts: its journal, and the activity's detail when it is really posted. */
  const journalOf = (
    m: Envelope,
    referenceId: string,
    posting: Posting,
    entryDate?: string,
    note: Record<string, unknown> = {},
  ): FactJournal => ({
    input: {
      organizationId: m.organizationId,
      companyId: m.companyId,
      referenceId,
      entryDate: entryDate ?? m.occurredAt.slice(0, 10),
      ...posting,
    },
    correlationId: m.correlationId,
    activityDetail: { referenceId, postingKind: posting.postingKind, ...note },
  });

  /** Posts the journal (or takes the one `prepare` posted for this message) and acknowledges it. */
  const post = async (tx: Tx, m: Envelope, journal: FactJournal) => {
    const ahead = postedAhead.get(tx);
    const result = ahead?.has(m.messageId)
      ? await postedOrExisting(tx, journal.input, ahead.get(m.messageId))
      : await postJournal(tx, journal.input, journal.correlationId, journal.activityDetail);
    const { referenceId, postingKind, referenceType } = journal.input;
    if (!result.created) {
      recordActivity(tx, 'ledger.already-posted', { referenceId, postingKind, journalId: result.journalId });
      return;
    }
    await bus.publish(tx, LedgerPosted, {
      referenceType,
      referenceId,
      postingKind,
      journalId: result.journalId,
    });
  };

  /** The customer's balance follows the fact once per reference, written with the COMMIT. */
  const moveBalance = (tx: Tx, m: Envelope, customerId: string, reference: string, delta: string) => {
    moveBalanceAtCommit(tx, m.organizationId, customerId, reference, delta, m.correlationId);
    return balanceNote(customerId, reference);
  };

  const invoiceJournal = (m: Envelope<PayloadOf<typeof InvoiceCreated>>) => {
    const p = m.payload;
    const note = balanceNote(p.customerId, invoiceReference(p));
    return journalOf(m, p.invoiceId, invoicePosting(p), p.issueDate, note);
  };

  return [
    on(
      InvoiceCreated,
      'common.ledger.invoice-created',
      async (m, tx) => {
        const p = m.payload;
        moveBalance(tx, m, p.customerId, invoiceReference(p), p.amount);
        if (hooks.brokenInvoiceBalance) {
          // The deliberate bug of test-hooks.ts: the same invoice moves the balance a second time.
          moveBalance(tx, m, p.customerId, `invoice-again:${p.invoiceId}`, p.amount);
        }
        await post(tx, m, invoiceJournal(m));
      },
      {
        // A batch's journals in one statement (the monthly run's volume path); each handler then
        // acknowledges what was posted for its message.
        prepare: async (messages, tx) => {
          const ids = await postJournals(tx, messages.map(invoiceJournal));
          postedAhead.set(tx, new Map(messages.map((m, i) => [m.messageId, ids[i]])));
        },
      },
    ),
    on(InvoiceVoided, 'common.ledger.invoice-voided', async (m, tx) => {
      const p = m.payload;
      const note = moveBalance(tx, m, p.customerId, `invoice-void:${p.invoiceId}`, `-${p.amount}`);
      await post(tx, m, journalOf(m, p.invoiceId, invoiceVoidPosting(p), p.voidedAt.slice(0, 10), note));
    }),
    on(PaymentReceived, 'common.ledger.payment-received', async (m, tx) => {
      const p = m.payload;
      const note = moveBalance(tx, m, p.customerId, `payment:${p.paymentId}`, `-${p.amount}`);
      await post(tx, m, journalOf(m, p.paymentId, paymentPosting(p), p.paidAt.slice(0, 10), note));
    }),
    on(POApproved, 'common.ledger.po-approved', async (m, tx) => {
      await post(tx, m, journalOf(m, m.payload.purchaseOrderId, reservationPosting(m.payload)));
    }),
    on(BillCreated, 'common.ledger.bill-created', async (m, tx) => {
      const p = m.payload;
      if (p.purchaseOrderId) {
        const reservation = await findPosting(tx, m.organizationId, p.purchaseOrderId, 'po-reservation');
        // Facts can arrive out of order: wait (retry) for the approval before reversing it.
        if (!reservation) throw new Error(`PO ${p.purchaseOrderId} has no budget reservation posted yet`);
        const reversal = reservationReversalPosting({
          number: p.purchaseOrderId,
          amount: reservation.amount,
        });
        await post(tx, m, journalOf(m, p.purchaseOrderId, reversal));
      }
      await post(tx, m, journalOf(m, p.billId, billPosting(p)));
    }),
    on(SalaryPosted, 'common.ledger.salary-posted', async (m, tx) => {
      await post(tx, m, journalOf(m, m.payload.salaryRunId, salaryPosting(m.payload)));
    }),
  ];
}
