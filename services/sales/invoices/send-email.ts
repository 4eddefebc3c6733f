import { notFound } from '#platform/http/problem.js';
import type { Work, Written } from '#platform/http/write.js';
import { SendInvoiceEmail } from '#contracts/sales.js';
import { invoiceHeader } from './store.js';

export interface EmailQueued {
  invoiceId: string;
  messageId: string;
  status: 'queued';
}

/** Asks Notification to mail an invoice (again): a SendInvoiceEmail command, for `runWrite`. */
export function sendInvoiceEmail(organizationId: string, invoiceId: string) {
  return async ({ tx, send }: Work): Promise<Written<EmailQueued>> => {
    const invoice = await invoiceHeader(tx, organizationId, { id: invoiceId });
    if (!invoice) throw notFound(`invoice ${invoiceId} does not exist`);
    const sent = await send(
      SendInvoiceEmail,
      {
        invoiceId: invoice.id,
        number: invoice.number,
        customerId: invoice.customerId,
        customerName: invoice.customerName,
        customerEmail: invoice.customerEmail,
        amount: invoice.amount,
        dueDate: invoice.dueDate,
        template: 'invoice-created',
      },
      { organizationId, companyId: invoice.companyId },
    );
    return {
      status: 202,
      body: { invoiceId: invoice.id, messageId: sent.messageId, status: 'queued' },
      activity: {
        action: 'invoice.email-requested',
        detail: { invoiceId: invoice.id, messageId: sent.messageId },
      },
    };
  };
}
