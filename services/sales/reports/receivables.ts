import { Decimal } from 'decimal.js';
import type { Queryable } from '#platform/data/db.js';
import { agingByCustomer, type AgingRow } from './queries.js';

export const AGING_FIELDS = [
  'balanceDue',
  'current',
  'days1to30',
  'days31to60',
  'days61to90',
  'over90',
] as const;
export type AgingTotals = Record<(typeof AGING_FIELDS)[number], string>;

export interface ReceivablesReport {
  asOf: string;
  totals: AgingTotals;
  customers: AgingRow[];
}

/**
 * Receivables aging by due date at `asOf`: each customer's open balance in the bucket of its days
 * past due (not yet due or due that day: current; then 1-30, 31-60, 61-90, over 90), most overdue
 * first, with the organization's totals.
 */
export async function receivablesAging(
  q: Queryable,
  organizationId: string,
  asOf: string,
  timeZone: string,
): Promise<ReceivablesReport> {
  const customers = await agingByCustomer(q, organizationId, asOf, timeZone);
  const totals = Object.fromEntries(
    AGING_FIELDS.map((f) => [f, customers.reduce((sum, c) => sum.plus(c[f]), new Decimal(0)).toFixed(2)]),
  ) as AgingTotals;
  return { asOf, totals, customers: customers.map((c) => ({ ...c, ...money(c) })) };
}

/** Two decimals on every figure ("0" from an empty sum reads "0.00"). */
const money = (c: AgingRow): AgingTotals =>
  Object.fromEntries(AGING_FIELDS.map((f) => [f, new Decimal(c[f]).toFixed(2)])) as AgingTotals;
