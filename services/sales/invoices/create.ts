import { randomUUID } from 'node:crypto';
import type { Db, Tx } from '../../../platform/data/db.js';
import type { Bus } from '../../../platform/messaging/bus.js';
import { InvoiceCreated } from '../../../contracts/sales.js';
import { draftInvoice, type CreateInvoiceBody } from './request.js';
import { insertNumberedInvoice, type Invoice } from './store.js';

/** A customer as Common describes it; null when Common says there is no such customer (for this organization). */
export interface CustomerDirectory {
  find(
    organizationId: string,
    customerId: string,
  ): Promise<{ id: string; name: string; email: string; companyId: string | null } | null>;
}

export type CreateInvoiceOutcome =
  | {
      kind: 'created';
      invoice: Pick<Invoice, 'id' | 'number' | 'status' | 'amount' | 'dueDate' | 'issueDate' | 'customerId'>;
    }
  | { kind: 'unknown-customer'; customerId: string };

export interface CreateInvoiceRequest {
  organizationId: string;
  createdBy: string | null;
  body: CreateInvoiceBody;
  correlationId: string;
  today: string;
}

/**
 * Makes an invoice: rules first (nothing written on bad input), then the customer check with
 * Common (its failure propagates as a 503 and nothing is written), then one transaction with the
 * number, the invoice, its lines and `InvoiceCreated` in the outbox. `inTransaction` lets the
 * caller record its answer (the Idempotency-Key's) in that same transaction.
 */
export async function createInvoice(
  db: Db,
  bus: Bus,
  customers: CustomerDirectory,
  req: CreateInvoiceRequest,
  inTransaction?: (
    tx: Tx,
    invoice: Extract<CreateInvoiceOutcome, { kind: 'created' }>['invoice'],
  ) => Promise<void>,
): Promise<CreateInvoiceOutcome> {
  const draft = draftInvoice(req.body, req.today);
  const customer = await customers.find(req.organizationId, draft.customerId);
  if (!customer) return { kind: 'unknown-customer', customerId: draft.customerId };

  const id = randomUUID();
  const invoice = await db.transaction(async (tx) => {
    // From this statement to the commit the month's counter row is locked: only the statements
    // that need the number follow it.
    const number = await insertNumberedInvoice(
      tx,
      {
        id,
        organizationId: req.organizationId,
        companyId: customer.companyId,
        customer,
        draft,
        correlationId: req.correlationId,
        createdBy: req.createdBy,
      },
      { correlationId: req.correlationId },
    );
    await bus.publish(
      tx,
      InvoiceCreated,
      {
        invoiceId: id,
        number,
        customerId: customer.id,
        customerName: customer.name,
        customerEmail: customer.email,
        amount: draft.amount,
        issueDate: draft.issueDate,
        dueDate: draft.dueDate,
      },
      { organizationId: req.organizationId, companyId: customer.companyId, correlationId: req.correlationId },
    );
    const created = {
      id,
      number,
      status: 'issued' as const,
      amount: draft.amount,
      dueDate: draft.dueDate,
      issueDate: draft.issueDate,
      customerId: customer.id,
    };
    await inTransaction?.(tx, created);
    return created;
  });
  return { kind: 'created', invoice };
}
