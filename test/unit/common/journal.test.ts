import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertBalanced, credit, debit, UnbalancedJournalError } from '#services/common/ledger/journal.js';
import { money, moneyText, sum } from '#services/common/ledger/money.js';
import {
  billPosting,
  invoicePosting,
  paymentPosting,
  reservationPosting,
  reservationReversalPosting,
  salaryPosting,
} from '#services/common/ledger/posting-rules.js';

describe('journal balancing', () => {
  it('accepts equal debits and credits across several lines', () => {
    expect(() =>
      assertBalanced([
        debit('1200', money('100.10')),
        credit('4000', money('60.05')),
        credit('4000', money('40.05')),
      ]),
    ).not.toThrow();
  });

  it('refuses unbalanced, one-sided, negative, sub-paisa and too-short journals', () => {
    const cases = [
      [debit('1200', money('100')), credit('4000', money('99.99'))],
      [debit('1200', money('100'))],
      [debit('1200', money('-5')), credit('4000', money('-5'))],
      [debit('1200', money('0.005')), credit('4000', money('0.005'))],
      [{ accountCode: '1200', debit: money('5'), credit: money('5') }, credit('4000', money('0'))],
      [debit('1200', money('0')), credit('4000', money('0'))],
    ];
    for (const lines of cases) expect(() => assertBalanced(lines)).toThrow(UnbalancedJournalError);
  });

  it('splitting an amount into any number of credits stays balanced exactly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1, maxLength: 20 }),
        (paise) => {
          const parts = paise.map((p) => money(p).dividedBy(100));
          const total = sum(parts);
          expect(() =>
            assertBalanced([debit('1200', total), ...parts.map((p) => credit('4000', p))]),
          ).not.toThrow();
          expect(moneyText(total)).toBe((paise.reduce((a, b) => a + b, 0) / 100).toFixed(2));
        },
      ),
    );
  });
});

describe('money text', () => {
  it('rounds half up at the paisa and never prints -0.00', () => {
    expect(moneyText(money('1.005'))).toBe('1.01');
    expect(moneyText(money('-1.005'))).toBe('-1.01');
    expect(moneyText(money('-0.001'))).toBe('0.00');
    expect(moneyText(money('0.1').plus(money('0.2')))).toBe('0.30');
  });
});

describe('posting rules (the design table)', () => {
  const shape = (p: ReturnType<typeof invoicePosting>) =>
    p.lines.map((l) => `${l.accountCode}:${moneyText(l.debit)}/${moneyText(l.credit)}`);

  it('books each fact on the design accounts, balanced', () => {
    expect(shape(invoicePosting({ number: 'INV-1', amount: '2500.00' }))).toEqual([
      '1200:2500.00/0.00',
      '4000:0.00/2500.00',
    ]);
    expect(shape(paymentPosting({ invoiceNumber: 'INV-1', amount: '10.50' }))).toEqual([
      '1100:10.50/0.00',
      '1200:0.00/10.50',
    ]);
    expect(shape(reservationPosting({ number: 'PO-1', amount: '60000.00' }))).toEqual([
      '5900:60000.00/0.00',
      '2100:0.00/60000.00',
    ]);
    expect(shape(reservationReversalPosting({ number: 'PO-1', amount: '60000.00' }))).toEqual([
      '2100:60000.00/0.00',
      '5900:0.00/60000.00',
    ]);
    expect(shape(billPosting({ number: 'B-1', amount: '59000.00' }))).toEqual([
      '5000:59000.00/0.00',
      '2100:0.00/59000.00',
    ]);
    expect(
      shape(
        salaryPosting({
          period: '2025-01',
          totalGross: '85000.00',
          totalDeductions: '0.00',
          totalNet: '85000.00',
        }),
      ),
    ).toEqual(['5100:85000.00/0.00', '2200:0.00/85000.00']);
    expect(
      shape(
        salaryPosting({
          period: '2025-01',
          totalGross: '85000.00',
          totalDeductions: '10200.50',
          totalNet: '74799.50',
        }),
      ),
    ).toEqual(['5100:85000.00/0.00', '2200:0.00/74799.50', '2300:0.00/10200.50']);
    for (const p of [
      invoicePosting({ number: 'x', amount: '0.01' }),
      salaryPosting({ period: 'p', totalGross: '1', totalDeductions: '0.40', totalNet: '0.60' }),
    ]) {
      expect(() => assertBalanced(p.lines)).not.toThrow();
    }
  });
});
