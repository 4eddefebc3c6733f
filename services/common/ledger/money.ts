import { Decimal } from 'decimal.js';

/**
 * Money arithmetic for the ledger: exact decimals (decimal.js), rounded half-up to paise only
 * where a value is stored. Amounts enter and leave as canonical strings ("2500.00").
 */
export type Money = Decimal;

export const ZERO: Money = new Decimal(0);

export function money(value: string | number | Decimal): Money {
  const d = new Decimal(value);
  if (!d.isFinite()) throw new RangeError(`not a finite amount: ${String(value)}`);
  return d;
}

/** Canonical two-decimal text, rounding half-up (half away from zero) at the paisa. */
export function moneyText(value: Money): string {
  const text = value.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);
  return text === '-0.00' ? '0.00' : text;
}

export function sum(values: Iterable<Money>): Money {
  let total = ZERO;
  for (const v of values) total = total.plus(v);
  return total;
}

/** True when the amount has at most two decimals (is a whole number of paise). */
export function isWholePaise(value: Money): boolean {
  return value.decimalPlaces() <= 2;
}
