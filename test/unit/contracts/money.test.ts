import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalMoney, isoDateSchema, moneySchema, positiveMoneySchema } from '#contracts/money.js';

describe('money schema', () => {
  it('accepts strings and numbers with at most two decimals and normalises them', () => {
    expect(moneySchema.parse('2500')).toBe('2500.00');
    expect(moneySchema.parse('2500.5')).toBe('2500.50');
    expect(moneySchema.parse(2500.25)).toBe('2500.25');
    expect(moneySchema.parse('-10.1')).toBe('-10.10');
    expect(moneySchema.parse('0')).toBe('0.00');
    expect(moneySchema.parse(' 12.30 ')).toBe('12.30');
  });

  it('refuses more than two decimals, floats with hidden digits, and junk', () => {
    for (const bad of [
      '10.001',
      0.1 + 0.2,
      '1e3',
      'abc',
      '',
      '01.00',
      '1,000.00',
      Infinity,
      NaN,
      '1234567890123',
    ]) {
      expect(moneySchema.safeParse(bad).success, String(bad)).toBe(false);
    }
  });

  it('positive money refuses zero and negatives', () => {
    expect(positiveMoneySchema.safeParse('0').success).toBe(false);
    expect(positiveMoneySchema.safeParse('0.00').success).toBe(false);
    expect(positiveMoneySchema.safeParse(-5).success).toBe(false);
    expect(positiveMoneySchema.parse('0.01')).toBe('0.01');
  });

  it('round-trips any whole number of paise exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 14n) + 1n, max: 10n ** 14n - 1n }), (paise) => {
        const abs = paise < 0n ? -paise : paise;
        const text = `${paise < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
        expect(moneySchema.parse(text)).toBe(canonicalMoney(text));
        expect(moneySchema.parse(text)).toBe(paise === 0n ? '0.00' : text);
      }),
    );
  });
});

describe('ISO date schema', () => {
  it('accepts real calendar dates only', () => {
    expect(isoDateSchema.parse('2024-02-29')).toBe('2024-02-29');
    for (const bad of ['2023-02-29', '2024-13-01', '2024-1-01', '01/02/2024', '2024-02-30', 'tomorrow']) {
      expect(isoDateSchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});
