import type { PostingKind } from '#contracts/common.js';
import { ZERO, isWholePaise, moneyText, sum, type Money } from './money.js';

/** One side of a journal: a debit or a credit to one account. */
export interface LineInput {
  accountCode: string;
  debit: Money;
  credit: Money;
  /** The customer a receivable line is about (adjusting journals name them). */
  customerId?: string | null;
}

export interface JournalInput {
  organizationId: string;
  companyId: string | null;
  referenceType: string;
  referenceId: string;
  /** A business fact's kind, or `adjustment` for a journal posted by hand. */
  postingKind: PostingKind | 'adjustment';
  description: string;
  entryDate: string;
  lines: LineInput[];
}

export class UnbalancedJournalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnbalancedJournalError';
  }
}

export const debit = (accountCode: string, amount: Money): LineInput => ({
  accountCode,
  debit: amount,
  credit: ZERO,
});
export const credit = (accountCode: string, amount: Money): LineInput => ({
  accountCode,
  debit: ZERO,
  credit: amount,
});

/**
 * The rules a journal obeys before it is written (the database checks balance again at commit):
 * at least two lines, each a positive debit or a positive credit in whole paise, debits = credits.
 */
export function assertBalanced(lines: readonly LineInput[]): void {
  if (lines.length < 2)
    throw new UnbalancedJournalError(`a journal needs at least 2 lines, got ${lines.length}`);
  for (const line of lines) {
    const d = line.debit.isZero();
    const c = line.credit.isZero();
    if (line.debit.isNegative() || line.credit.isNegative()) {
      throw new UnbalancedJournalError(`line on ${line.accountCode} has a negative amount`);
    }
    if (d === c)
      throw new UnbalancedJournalError(`line on ${line.accountCode} must be either a debit or a credit`);
    if (!isWholePaise(line.debit) || !isWholePaise(line.credit)) {
      throw new UnbalancedJournalError(`line on ${line.accountCode} has more than 2 decimals`);
    }
  }
  const debits = sum(lines.map((l) => l.debit));
  const credits = sum(lines.map((l) => l.credit));
  if (!debits.equals(credits)) {
    throw new UnbalancedJournalError(
      `debits ${moneyText(debits)} do not equal credits ${moneyText(credits)}`,
    );
  }
}
