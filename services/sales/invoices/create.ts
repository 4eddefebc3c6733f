import { randomUUID } from 'node:crypto';
import type { Db } from '#platform/data/db.js';
import { isUniqueViolation } from '#platform/data/postgres.js';
import type { Bus } from '#platform/messaging/bus.js';
import type { Context } from '@opentelemetry/api';
import { activeTraceContext } from '#platform/observability/tracing.js';
import { InvoiceCreated } from '#contracts/sales.js';
import { KeyedBatcher } from './batcher.js';
import { invoiceCreated } from './created-event.js';
import { insertNumberedInvoices, type NewInvoice } from './numbered-insert.js';
import { periodOf } from './numbering.js';
import { draftInvoice, type CreateInvoiceBody } from './request.js';
import { invoiceHeader, type Invoice } from './store.js';

/** A customer as Common describes it; null when Common says there is no such customer (for this organization). */
export interface CustomerDirectory {
  find(
    organizationId: string,
    customerId: string,
  ): Promise<{ id: string; name: string; email: string; companyId: string | null } | null>;
}

export type CreatedInvoice = Pick<
  Invoice,
  'id' | 'number' | 'status' | 'amount' | 'dueDate' | 'issueDate' | 'customerId'
>;

export type CreateInvoiceOutcome =
  { kind: 'created'; invoice: CreatedInvoice } | { kind: 'unknown-customer'; customerId: string };

export interface CreateInvoiceRequest {
  organizationId: string;
  createdBy: string | null;
  body: CreateInvoiceBody;
  correlationId: string;
  causationId: string | null;
  idempotencyKey: string | null;
  today: string;
}

interface WriteJob {
  invoice: NewInvoice;
  causationId: string | null;
  /** The request's trace: the group commit runs outside it. */
  trace: Context;
}

/** Writes invoices: numbered, with their lines, and `InvoiceCreated` in the outbox, in one transaction. */
export interface InvoiceWriter {
  write(invoice: NewInvoice, causationId: string | null): Promise<string>;
}

/**
 * Invoices of one organization and month are written in groups (see KeyedBatcher): one
 * transaction numbers the group consecutively and publishes each invoice's `InvoiceCreated`. The
 * month's counter row is then held once per group rather than once per invoice.
 */
export function invoiceWriter(db: Db, bus: Bus): InvoiceWriter {
  const batcher = new KeyedBatcher<WriteJob, string>(async (_key, jobs) => {
    // Every job of a batch has the same organization and period: they make its key.
    const { organizationId, draft } = jobs[0]!.invoice;
    const period = periodOf(draft.issueDate);
    return db.transaction(async (tx) => {
      const invoices = jobs.map((j) => j.invoice);
      const numbers = await insertNumberedInvoices(tx, organizationId, period, invoices);
      for (const [i, { invoice: inv, causationId, trace }] of jobs.entries()) {
        await bus.publish(tx, InvoiceCreated, invoiceCreated(inv, numbers[i]!), {
          organizationId,
          companyId: inv.companyId,
          correlationId: inv.correlationId,
          causationId,
          trace,
        });
      }
      return numbers;
    });
  });
  return {
    write: (invoice, causationId) =>
      batcher.submit(`${invoice.organizationId}|${periodOf(invoice.draft.issueDate)}`, {
        invoice,
        causationId,
        trace: activeTraceContext(),
      }),
  };
}

const summary = (i: Invoice): CreatedInvoice => ({
  id: i.id,
  number: i.number,
  status: i.status,
  amount: i.amount,
  dueDate: i.dueDate,
  issueDate: i.issueDate,
  customerId: i.customerId,
});

/**
 * Makes an invoice: rules first (nothing written on bad input), then the customer check with
 * Common (its failure propagates as a 503 and nothing is written), then the write. The invoice
 * keeps its Idempotency-Key: a retry that gets past the HTTP layer's record (a crash between the
 * commit and the recorded answer) finds the invoice it made instead of making another.
 */
export async function createInvoice(
  db: Db,
  writer: InvoiceWriter,
  customers: CustomerDirectory,
  req: CreateInvoiceRequest,
): Promise<CreateInvoiceOutcome> {
  const draft = draftInvoice(req.body, req.today);

  const customer = await customers.find(req.organizationId, draft.customerId);
  if (!customer) return { kind: 'unknown-customer', customerId: draft.customerId };

  const id = randomUUID();
  let number: string;
  try {
    number = await writer.write(
      {
        id,
        organizationId: req.organizationId,
        companyId: customer.companyId,
        customer,
        draft,
        correlationId: req.correlationId,
        idempotencyKey: req.idempotencyKey,
        createdBy: req.createdBy,
      },
      req.causationId,
    );
  } catch (err) {
    // The key is already on an invoice: a retry that got past the HTTP layer's record. No look
    // before the write for it: that would cost every invoice a statement for a rare case.
    if (req.idempotencyKey && isUniqueViolation(err)) {
      const raced = await invoiceHeader(db, req.organizationId, { idempotencyKey: req.idempotencyKey });
      if (raced) return { kind: 'created', invoice: summary(raced) };
    }
    throw err;
  }
  return {
    kind: 'created',
    invoice: {
      id,
      number,
      status: 'issued',
      amount: draft.amount,
      dueDate: draft.dueDate,
      issueDate: draft.issueDate,
      customerId: customer.id,
    },
  };
}
