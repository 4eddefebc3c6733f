import type { Db } from '#platform/data/db.js';
import type { Bus } from '#platform/messaging/bus.js';
import { recordActivity } from '#platform/observability/activity.js';
import { InvoiceVoided } from '#contracts/sales.js';
import { lockInvoice } from '../payments/store.js';
import { markVoided } from './store.js';

export type VoidOutcome =
  | { kind: 'not-found' }
  | { kind: 'conflict'; reason: string }
  | { kind: 'voided'; invoiceId: string; voidedAt: string };

/**
 * Voids an issued, unpaid invoice and tells Common (`InvoiceVoided`: the posting and the balance
 * are reversed). It races payments, so it takes the invoice's row lock as they do (payments/store.ts):
 * a paid invoice cannot be voided, and a payment whose charge is in flight finds the invoice void
 * when it comes to record itself and refunds the money instead.
 */
export async function voidInvoice(
  db: Db,
  bus: Bus,
  req: { organizationId: string; invoiceId: string; customerId: string | null | undefined },
): Promise<VoidOutcome> {
  return db.transaction(async (tx) => {
    const invoice = await lockInvoice(tx, req.organizationId, req.invoiceId);
    if (!invoice || (req.customerId !== undefined && invoice.customerId !== req.customerId)) {
      return { kind: 'not-found' as const };
    }
    if (invoice.status !== 'issued')
      return { kind: 'conflict' as const, reason: `invoice is ${invoice.status}` };
    const voidedAt = await markVoided(tx, invoice.id);
    await bus.publish(
      tx,
      InvoiceVoided,
      {
        invoiceId: invoice.id,
        number: invoice.number,
        customerId: invoice.customerId,
        amount: invoice.amount,
        voidedAt,
      },
      { organizationId: invoice.organizationId, companyId: invoice.companyId },
    );
    recordActivity(tx, 'invoice.voided', { invoiceId: invoice.id });
    return { kind: 'voided' as const, invoiceId: invoice.id, voidedAt };
  });
}
