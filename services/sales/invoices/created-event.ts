import type { PayloadOf } from '#platform/messaging/contract.js';
import type { InvoiceCreated } from '#contracts/sales.js';
import type { NewInvoice } from './numbered-insert.js';

/** `InvoiceCreated` of a numbered invoice: the one builder for a single invoice and a run's page. */
export const invoiceCreated = (inv: NewInvoice, number: string): PayloadOf<typeof InvoiceCreated> => ({
  invoiceId: inv.id,
  number,
  customerId: inv.customer.id,
  customerName: inv.customer.name,
  customerEmail: inv.customer.email,
  amount: inv.draft.amount,
  issueDate: inv.draft.issueDate,
  dueDate: inv.draft.dueDate,
});
