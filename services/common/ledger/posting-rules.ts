import type { PostingKind } from '#contracts/common.js';
import { ACCOUNTS } from './chart.js';
import { credit, debit, type LineInput } from './journal.js';
import { money } from './money.js';

/**
 * What each business fact books (the design's table). Pure: the handlers add tenancy, dates and
 * references, and the store writes the result.
 */
export interface Posting {
  postingKind: PostingKind;
  referenceType: string;
  description: string;
  lines: LineInput[];
}

export function invoicePosting(invoice: { number: string; amount: string }): Posting {
  const amount = money(invoice.amount);
  return {
    postingKind: 'invoice',
    referenceType: 'invoice',
    description: `Invoice ${invoice.number}`,
    lines: [debit(ACCOUNTS.receivable, amount), credit(ACCOUNTS.revenue, amount)],
  };
}

/** Reverses an invoice's posting when it is voided. */
export function invoiceVoidPosting(invoice: { number: string; amount: string }): Posting {
  const amount = money(invoice.amount);
  return {
    postingKind: 'invoice-void',
    referenceType: 'invoice',
    description: `Invoice ${invoice.number} voided`,
    lines: [debit(ACCOUNTS.revenue, amount), credit(ACCOUNTS.receivable, amount)],
  };
}

export function paymentPosting(payment: { invoiceNumber: string; amount: string }): Posting {
  const amount = money(payment.amount);
  return {
    postingKind: 'payment',
    referenceType: 'payment',
    description: `Payment for invoice ${payment.invoiceNumber}`,
    lines: [debit(ACCOUNTS.bank, amount), credit(ACCOUNTS.receivable, amount)],
  };
}

export function reservationPosting(po: { number: string; amount: string }): Posting {
  const amount = money(po.amount);
  return {
    postingKind: 'po-reservation',
    referenceType: 'purchase-order',
    description: `Budget reserved for approved PO ${po.number}`,
    lines: [debit(ACCOUNTS.committedBudget, amount), credit(ACCOUNTS.payable, amount)],
  };
}

/** Undoes a PO's reservation when its bill arrives (the bill then books the real expense). */
export function reservationReversalPosting(po: { number: string; amount: string }): Posting {
  const amount = money(po.amount);
  return {
    postingKind: 'po-reservation-reversal',
    referenceType: 'purchase-order',
    description: `Reservation released for billed PO ${po.number}`,
    lines: [debit(ACCOUNTS.payable, amount), credit(ACCOUNTS.committedBudget, amount)],
  };
}

export function billPosting(bill: { number: string; amount: string }): Posting {
  const amount = money(bill.amount);
  return {
    postingKind: 'bill',
    referenceType: 'bill',
    description: `Vendor bill ${bill.number}`,
    lines: [debit(ACCOUNTS.expenses, amount), credit(ACCOUNTS.payable, amount)],
  };
}

/**
 * A salary run: the gross is the expense; what is paid out (net) and what is withheld for others
 * (deductions) are owed separately. A run without deductions has no 2300 line.
 */
export function salaryPosting(run: {
  period: string;
  totalGross: string;
  totalDeductions: string;
  totalNet: string;
}): Posting {
  const deductions = money(run.totalDeductions);
  return {
    postingKind: 'salary',
    referenceType: 'salary-run',
    description: `Salaries for ${run.period}`,
    lines: [
      debit(ACCOUNTS.salariesExpense, money(run.totalGross)),
      credit(ACCOUNTS.salariesPayable, money(run.totalNet)),
      ...(deductions.isZero() ? [] : [credit(ACCOUNTS.deductionsPayable, deductions)]),
    ],
  };
}
