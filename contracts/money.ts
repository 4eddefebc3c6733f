import { z } from 'zod';

/**
 * Money travels as a decimal string with at most two decimals ("2500", "2500.5", "2500.50"),
 * never as a binary float. HTTP input may also be a JSON number; it is checked on its written
 * form so 0.1 + 0.2 style values cannot slip in with hidden digits.
 */
const MONEY_TEXT = /^-?(0|[1-9]\d{0,11})(\.\d{1,2})?$/;

export const MONEY_PATTERN_DESCRIPTION =
  'a decimal amount with at most 2 decimals and at most 12 integer digits';

function moneyText(value: string | number): string | null {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value.trim();
  return MONEY_TEXT.test(text) ? text : null;
}

/** Normalises an amount to the canonical two-decimal form ("2500" -> "2500.00"). */
export function canonicalMoney(text: string): string {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const out = `${whole}.${fraction.padEnd(2, '0')}`;
  return negative && out !== '0.00' ? `-${out}` : out;
}

/** Any amount (may be negative or zero): a decimal string or number, normalised to "123.40". */
export const moneySchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const text = moneyText(value);
  if (text === null) {
    ctx.addIssue({ code: 'custom', message: `expected ${MONEY_PATTERN_DESCRIPTION}` });
    return z.NEVER;
  }
  return canonicalMoney(text);
});

/** An amount greater than zero. */
export const positiveMoneySchema = moneySchema.refine((s) => !s.startsWith('-') && s !== '0.00', {
  message: 'expected an amount greater than zero',
});

/** The form money has inside messages: always the canonical string. */
export const moneyString = z
  .string()
  .regex(/^-?\d{1,12}\.\d{2}$/, 'expected a decimal string with exactly 2 decimals, e.g. "2500.00"');

/** A calendar date, "YYYY-MM-DD", that exists. */
export const isoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'expected a date that exists in the calendar');
