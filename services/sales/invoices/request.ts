import { Decimal } from 'decimal.js';
import { z } from 'zod';
import { isoDateSchema, positiveMoneySchema } from '#contracts/money.js';

/**
 * The body of `POST /api/invoices`: a customer, a due date, and either an amount or lines (or
 * both, when they agree). Everything about money is exact decimal; nothing here touches a float.
 */
export const invoiceLineSchema = z.object({
  description: z.string().trim().min(1).max(500),
  quantity: z.number().int().positive().max(1_000_000).default(1),
  unitPrice: positiveMoneySchema,
});

export const createInvoiceBodySchema = z
  .object({
    customerId: z.uuid(),
    amount: positiveMoneySchema.optional(),
    lines: z.array(invoiceLineSchema).min(1).max(200).optional(),
    dueDate: isoDateSchema,
    issueDate: isoDateSchema.optional(),
    description: z.string().trim().max(500).optional(),
  })
  .refine((b) => b.amount !== undefined || b.lines !== undefined, {
    message: 'give the invoice an amount or lines',
    path: ['amount'],
  });

export type CreateInvoiceBody = z.infer<typeof createInvoiceBodySchema>;

/** A line as stored and shown: its position, and money as exact decimal strings. */
export interface InvoiceLine {
  position: number;
  description: string;
  quantity: number;
  unitPrice: string;
  amount: string;
}

export interface InvoiceDraft {
  customerId: string;
  amount: string;
  issueDate: string;
  dueDate: string;
  description: string | null;
  lines: InvoiceLine[];
}

export class InvoiceRuleError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'InvoiceRuleError';
  }
}

const MAX_AMOUNT = new Decimal('999999999999.99');

/** Applies the invoice rules to a valid body: totals, the single line of an amount-only invoice, dates. */
export function draftInvoice(body: CreateInvoiceBody, today: string): InvoiceDraft {
  const issueDate = body.issueDate ?? today;
  if (body.dueDate < issueDate) {
    throw new InvoiceRuleError(`dueDate ${body.dueDate} is before the issue date ${issueDate}`, 'dueDate');
  }
  const description = body.description ?? null;
  const lines = body.lines
    ? body.lines.map((l, i) => ({
        position: i + 1,
        description: l.description,
        quantity: l.quantity,
        unitPrice: l.unitPrice,
        amount: new Decimal(l.unitPrice).times(l.quantity).toFixed(2),
      }))
    : [
        {
          position: 1,
          description: description ?? 'Charges',
          quantity: 1,
          unitPrice: body.amount!,
          amount: body.amount!,
        },
      ];
  const total = lines.reduce((acc, l) => acc.plus(l.amount), new Decimal(0));
  if (total.greaterThan(MAX_AMOUNT) || lines.some((l) => new Decimal(l.amount).greaterThan(MAX_AMOUNT))) {
    throw new InvoiceRuleError(`the invoice total ${total.toFixed(2)} is too large`, 'amount');
  }
  if (body.amount !== undefined && !total.equals(body.amount)) {
    throw new InvoiceRuleError(
      `amount ${body.amount} does not equal the sum of the lines ${total.toFixed(2)}`,
      'amount',
    );
  }
  return {
    customerId: body.customerId,
    amount: total.toFixed(2),
    issueDate,
    dueDate: body.dueDate,
    description,
    lines,
  };
}
