import { randomUUID } from 'node:crypto';
import type { Queryable, Tx } from '#platform/data/db.js';
import { activityCte, noRowsIn } from '#platform/observability/activity.js';
import type { PayloadOf } from '#platform/messaging/contract.js';
import type { CustomerCreated } from '#contracts/common.js';
import { money, moneyText } from '../ledger/money.js';

export interface Customer {
  id: string;
  organizationId: string;
  companyId: string;
  name: string;
  email: string;
  balance: string;
  createdAt: string;
  updatedAt: string;
  /** Where this customer sits in creation order (for paging cursors). */
  position: string;
}

interface CustomerRow {
  id: string;
  organization_id: string;
  company_id: string;
  name: string;
  email: string;
  balance: string;
  created_at: Date | string;
  updated_at: Date | string;
  /** created_at as exact text (microseconds kept) for keyset cursors. */
  position: string;
}

const columns = (alias = '') => {
  const a = alias ? `${alias}.` : '';
  return (
    `${a}id, ${a}organization_id, ${a}company_id, ${a}name, ${a}email, ${a}balance::text AS balance, ` +
    `${a}created_at, ${a}updated_at, ${a}created_at::text AS position`
  );
};
const COLUMNS = columns();

function toCustomer(r: CustomerRow): Customer {
  return {
    id: r.id,
    organizationId: r.organization_id,
    companyId: r.company_id,
    name: r.name,
    email: r.email,
    balance: moneyText(money(r.balance)),
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
    position: r.position,
  };
}

/** What CustomerCreated and CustomerUpdated say about a customer. */
export function customerFacts(c: Customer): PayloadOf<typeof CustomerCreated> {
  return { customerId: c.id, name: c.name, email: c.email, balance: c.balance };
}

export async function insertCustomer(
  q: Queryable,
  c: { id?: string; organizationId: string; companyId: string; name: string; email: string },
): Promise<Customer> {
  const { rows } = await q.query<CustomerRow>(
    `INSERT INTO customer (id, organization_id, company_id, name, email) VALUES ($1, $2, $3, $4, $5)
     RETURNING ${COLUMNS}`,
    [c.id ?? randomUUID(), c.organizationId, c.companyId, c.name, c.email],
  );
  return toCustomer(rows[0]!);
}

export async function getCustomer(
  q: Queryable,
  organizationId: string,
  id: string,
): Promise<Customer | null> {
  const { rows } = await q.query<CustomerRow>(
    `SELECT ${COLUMNS} FROM customer WHERE organization_id = $1 AND id = $2`,
    [organizationId, id],
  );
  return rows[0] ? toCustomer(rows[0]) : null;
}

/** The ids among those given that are this organization's customers. */
export async function customersOf(q: Queryable, organizationId: string, ids: string[]): Promise<Set<string>> {
  const { rows } = await q.query<{ id: string }>(
    'SELECT id FROM customer WHERE organization_id = $1 AND id = ANY($2::uuid[])',
    [organizationId, ids],
  );
  return new Set(rows.map((r) => r.id));
}

/** A page of customers in creation order, after the given position (keyset paging). */
export async function listCustomers(
  q: Queryable,
  organizationId: string,
  page: { limit: number; after?: { position: string; id: string } | undefined },
): Promise<Customer[]> {
  const params: unknown[] = [organizationId, page.limit];
  let after = '';
  if (page.after) {
    params.push(page.after.position, page.after.id);
    after = ' AND (created_at, id) > ($3::timestamptz, $4::uuid)';
  }
  const { rows } = await q.query<CustomerRow>(
    `SELECT ${COLUMNS} FROM customer WHERE organization_id = $1${after} ORDER BY created_at, id LIMIT $2`,
    params,
  );
  return rows.map(toCustomer);
}

export async function updateCustomerDetails(
  q: Queryable,
  organizationId: string,
  id: string,
  changes: { name?: string | undefined; email?: string | undefined },
): Promise<Customer | null> {
  const { rows } = await q.query<CustomerRow>(
    `UPDATE customer SET name = coalesce($3, name), email = coalesce($4, email), updated_at = now()
      WHERE organization_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [organizationId, id, changes.name ?? null, changes.email ?? null],
  );
  return rows[0] ? toCustomer(rows[0]) : null;
}

/**
 * Locks customer $2 of organization $1 (so balance_after is exact under concurrent changes) and
 * records the change of $4 once per reference $3: CTEs `locked` and `change`, for `BALANCE_UPDATE`.
 */
const BALANCE_CHANGE = `locked AS (
       SELECT id, organization_id, balance FROM customer WHERE organization_id = $1 AND id = $2 FOR UPDATE
     ), change AS (
       INSERT INTO customer_balance_change (organization_id, customer_id, reference, amount_delta, balance_after)
       SELECT organization_id, id, $3, $4::numeric, balance + $4::numeric FROM locked
       ON CONFLICT (customer_id, reference) DO NOTHING
       RETURNING customer_id, amount_delta
     )`;
const BALANCE_UPDATE = `UPDATE customer c SET balance = c.balance + change.amount_delta, updated_at = now()
       FROM change WHERE c.id = change.customer_id`;

/**
 * The balance move of a business fact (an invoice raised, a payment received), once per reference,
 * sent with the COMMIT of the handler's transaction: nothing in it waits on the move, so it costs
 * no round trip of its own, and the customer's row is locked only for the commit. An unknown
 * customer leaves an activity record (the ledger is still right; the balance cannot follow).
 */
export function moveBalanceAtCommit(
  tx: Tx,
  organizationId: string,
  customerId: string,
  reference: string,
  delta: string,
  correlationId: string,
): void {
  const params: unknown[] = [organizationId, customerId, reference, delta];
  const skipped = activityCte(
    'skipped_activity',
    params,
    'customer.balance-skipped',
    { customerId, reference, reason: 'unknown customer' },
    { correlationId, organizationId },
    noRowsIn('locked'),
  );
  const sql = `WITH ${BALANCE_CHANGE}, moved AS (${BALANCE_UPDATE} RETURNING c.id), ${skipped}
     SELECT 1`;
  tx.beforeCommit(() => ({ sql, params }));
}

export type BalanceChange =
  | { outcome: 'applied'; customer: Customer }
  | { outcome: 'duplicate'; customer: Customer }
  | { outcome: 'not-found' };

/**
 * Moves a customer's balance by `delta`, once per reference: the same reference again (a retried
 * request, the saga's HTTP call and then its event) leaves the balance as it is.
 */
export async function changeBalance(
  q: Queryable,
  organizationId: string,
  customerId: string,
  reference: string,
  delta: string,
): Promise<BalanceChange> {
  // One statement: lock, record once per reference, move. No row back: unknown customer or a repeat.
  const { rows } = await q.query<CustomerRow>(
    `WITH ${BALANCE_CHANGE} ${BALANCE_UPDATE} RETURNING ${columns('c')}`,
    [organizationId, customerId, reference, delta],
  );
  if (rows[0]) return { outcome: 'applied', customer: toCustomer(rows[0]) };
  const existing = await getCustomer(q, organizationId, customerId);
  return existing ? { outcome: 'duplicate', customer: existing } : { outcome: 'not-found' };
}
