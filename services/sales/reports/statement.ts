import { Decimal } from 'decimal.js';
import type { Queryable } from '#platform/data/db.js';
import type { CustomerDirectory } from '../invoices/create.js';
import { statementEntries, type StatementEntry } from './queries.js';

export interface StatementLine extends StatementEntry {
  /** What the customer owes after this line. */
  balance: string;
}

export interface Statement {
  customer: { id: string; name: string; email: string };
  from: string | null;
  to: string;
  opening: string;
  lines: StatementLine[];
  closing: string;
}

/**
 * A customer's statement of account: the balance before `from`, each invoice (debit) and payment
 * (credit) to `to` with the running balance, and the closing balance. Null when Common knows no
 * such customer in the organization (another organization's customer included).
 */
export async function customerStatement(
  q: Queryable,
  customers: CustomerDirectory,
  req: { organizationId: string; customerId: string; from: string | null; to: string; timeZone: string },
): Promise<Statement | null> {
  const customer = await customers.find(req.organizationId, req.customerId);
  if (!customer) return null;
  const { opening, entries } = await statementEntries(
    q,
    req.organizationId,
    req.customerId,
    { from: req.from, to: req.to },
    req.timeZone,
  );
  let balance = new Decimal(opening);
  const lines = entries.map((e) => {
    balance = balance.plus(e.debit).minus(e.credit);
    return { ...e, balance: balance.toFixed(2) };
  });
  return {
    customer: { id: customer.id, name: customer.name, email: customer.email },
    from: req.from,
    to: req.to,
    opening: new Decimal(opening).toFixed(2),
    lines,
    closing: balance.toFixed(2),
  };
}
