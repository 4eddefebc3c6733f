import { money } from './components';

export interface TraceEntry {
  at: string;
  service: string;
  action: string;
  detail: Record<string, unknown>;
}

/** What the earlier entries of a timeline told about the documents it names (id -> number). */
export type Names = Map<string, string>;

const text = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/**
 * What one entry of a timeline says, as the sentence after its service's name ("created
 * INV-202612-0001 for Rohan Resident, ₹ 1,234.50"). Documents are named by the numbers earlier
 * entries gave them; what is not known here reads as its action, in words. Learns names into
 * `names` as it goes (call it in time order).
 */
export function sentenceOf(entry: TraceEntry, names: Names): string {
  const d = entry.detail;
  const name = (id: unknown, fallback: string) => (typeof id === 'string' && names.get(id)) || fallback;
  const invoice = name(d.invoiceId, 'the invoice');
  const amount = text(d.amount) ? money(text(d.amount)!) : undefined;
  switch (entry.action) {
    case 'invoice.created':
      if (text(d.invoiceId) && text(d.number)) names.set(text(d.invoiceId)!, text(d.number)!);
      return `created ${text(d.number) ?? 'an invoice'}${text(d.customerName) ? ` for ${text(d.customerName)}` : ''}${amount ? `, ${amount}` : ''}`;
    case 'invoice.posted':
      return `saw ${invoice} posted to the ledger`;
    case 'invoice.voided':
      return `voided ${invoice}`;
    case 'invoice.email-requested':
      return `asked for ${invoice} to be mailed again`;
    case 'invoice.reminder-skipped':
      return `skipped the payment reminder of ${invoice}`;
    case 'payment.requested':
      return `took a payment request for ${invoice}`;
    case 'payment.recorded':
      return `recorded the payment of ${invoice}${text(d.transactionId) ? ` (transaction ${text(d.transactionId)})` : ''}`;
    case 'ledger.posted':
      return `posted a journal for ${name(d.referenceId, 'the document')}${text(d.postingKind) ? ` (${text(d.postingKind)})` : ''}`;
    case 'ledger.already-posted':
      return `found ${name(d.referenceId, 'the document')} already posted`;
    case 'email.sent':
      return `mailed “${text(d.subject) ?? text(d.template) ?? 'a message'}” to ${text(d.to) ?? 'its recipient'}`;
    case 'purchase-order.created':
      return `created a purchase order${amount ? ` for ${amount}` : ''}`;
    case 'purchase-order.submitted':
      return `sent the purchase order for approval${Array.isArray(d.requiredRoles) ? ` by ${d.requiredRoles.join(' then ')}` : ''}`;
    case 'purchase-order.approval-recorded':
      return `recorded an approval${text(d.role) ? ` by the ${text(d.role)}` : ''}`;
    case 'purchase-order.approved':
      return `approved the purchase order${text(d.role) ? ` (last approval: ${text(d.role)})` : ''}`;
    case 'purchase-order.rejected':
      return 'rejected the purchase order';
    case 'purchase-order.cancelled':
      return 'cancelled the purchase order';
    case 'purchase-order.budget-reserved':
      return 'reserved budget for the purchase order';
    default:
      if (entry.action.startsWith('published '))
        return `published ${entry.action.slice('published '.length)}`;
      return entry.action.replace(/[.-]/g, ' ');
  }
}
