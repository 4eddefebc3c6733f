import type { Queryable } from '#platform/data/db.js';

/*
 * The reports' SQL. An invoice counts from its issue date until the day (in the organization's
 * zone) it was paid; void and draft invoices never count. Sums are numeric in PostgreSQL and come
 * back as text, so no money passes through a float.
 */

/** An invoice is receivable on `$d` (a date) when issued by then and not paid by the end of that day. */
const openOn = (d: string, zone: string) =>
  `i.status IN ('issued', 'paid') AND i.issue_date <= ${d}
   AND (i.status = 'issued' OR (i.paid_at AT TIME ZONE ${zone})::date > ${d})`;

export interface AgingRow {
  customerId: string;
  name: string;
  balanceDue: string;
  current: string;
  days1to30: string;
  days31to60: string;
  days61to90: string;
  over90: string;
}

/** Each customer's open balance at `asOf`, split by days past due (due today is current). */
export async function agingByCustomer(
  q: Queryable,
  organizationId: string,
  asOf: string,
  timeZone: string,
): Promise<AgingRow[]> {
  const bucket = (condition: string) => `coalesce(sum(i.amount) FILTER (WHERE ${condition}), 0)::text`;
  const late = '($2::date - i.due_date)';
  const { rows } = await q.query<AgingRow>(
    `SELECT i.customer_id AS "customerId",
            (array_agg(i.customer_name ORDER BY i.created_at DESC))[1] AS name,
            sum(i.amount)::text AS "balanceDue",
            ${bucket(`${late} <= 0`)} AS current,
            ${bucket(`${late} BETWEEN 1 AND 30`)} AS "days1to30",
            ${bucket(`${late} BETWEEN 31 AND 60`)} AS "days31to60",
            ${bucket(`${late} BETWEEN 61 AND 90`)} AS "days61to90",
            ${bucket(`${late} > 90`)} AS "over90"
       FROM invoice i
      WHERE i.organization_id = $1 AND ${openOn('$2::date', '$3')}
      GROUP BY i.customer_id
      ORDER BY sum(i.amount) FILTER (WHERE ${late} > 0) DESC NULLS LAST, sum(i.amount) DESC, i.customer_id`,
    [organizationId, asOf, timeZone],
  );
  return rows;
}

export interface MonthRow {
  period: string;
  billed: string;
  collected: string;
  outstanding: string;
}

/**
 * Month by month from `from` to `to` (both `YYYY-MM`): invoiced (by issue date), collected
 * (succeeded payments, by the day paid in the organization's zone) and what was still receivable
 * at the month's last day.
 */
export async function collectionsByMonth(
  q: Queryable,
  organizationId: string,
  from: string,
  to: string,
  timeZone: string,
): Promise<MonthRow[]> {
  const { rows } = await q.query<MonthRow>(
    `WITH months AS (
       SELECT m::date AS first, (m + interval '1 month')::date - 1 AS last
         FROM generate_series(($2 || '-01')::date, ($3 || '-01')::date, interval '1 month') AS m
     )
     SELECT to_char(months.first, 'YYYY-MM') AS period,
            (SELECT coalesce(sum(i.amount), 0)::numeric(20, 2) FROM invoice i
              WHERE i.organization_id = $1 AND i.status IN ('issued', 'paid')
                AND i.issue_date BETWEEN months.first AND months.last)::text AS billed,
            (SELECT coalesce(sum(p.amount), 0)::numeric(20, 2) FROM payment p
              WHERE p.organization_id = $1 AND p.status = 'succeeded'
                AND (p.paid_at AT TIME ZONE $4)::date BETWEEN months.first AND months.last)::text AS collected,
            (SELECT coalesce(sum(i.amount), 0)::numeric(20, 2) FROM invoice i
              WHERE i.organization_id = $1 AND ${openOn('months.last', '$4')})::text AS outstanding
       FROM months ORDER BY months.first`,
    [organizationId, from, to, timeZone],
  );
  return rows;
}

export interface StatementEntry {
  date: string;
  kind: 'invoice' | 'payment';
  number: string;
  debit: string;
  credit: string;
  invoiceId: string;
  paymentId: string | null;
}

/**
 * A customer's invoices (debits, on their issue date) and succeeded payments (credits, on the day
 * paid in the organization's zone) from `from` (or the beginning) to `to`, oldest first; and the
 * balance before `from`.
 */
export async function statementEntries(
  q: Queryable,
  organizationId: string,
  customerId: string,
  range: { from: string | null; to: string },
  timeZone: string,
): Promise<{ opening: string; entries: StatementEntry[] }> {
  const params = [organizationId, customerId, range.from ?? '0001-01-01', range.to, timeZone];
  const { rows } = await q.query<StatementEntry>(
    `SELECT * FROM (
       SELECT to_char(i.issue_date, 'YYYY-MM-DD') AS date, 'invoice' AS kind, i.number,
              i.amount::text AS debit, '0.00' AS credit, i.id AS "invoiceId", NULL::uuid AS "paymentId",
              i.created_at AS at
         FROM invoice i
        WHERE i.organization_id = $1 AND i.customer_id = $2 AND i.status IN ('issued', 'paid')
          AND i.issue_date BETWEEN $3::date AND $4::date
       UNION ALL
       SELECT to_char((p.paid_at AT TIME ZONE $5)::date, 'YYYY-MM-DD'), 'payment', i.number,
              '0.00', p.amount::text, i.id, p.id, p.paid_at
         FROM payment p JOIN invoice i ON i.id = p.invoice_id
        WHERE p.organization_id = $1 AND p.customer_id = $2 AND p.status = 'succeeded'
          AND (p.paid_at AT TIME ZONE $5)::date BETWEEN $3::date AND $4::date
     ) AS e ORDER BY date, kind, at, number`,
    params,
  );
  const opening = await q.query<{ opening: string }>(
    `SELECT ((SELECT coalesce(sum(amount), 0) FROM invoice
               WHERE organization_id = $1 AND customer_id = $2 AND status IN ('issued', 'paid')
                 AND issue_date < $3::date)
           - (SELECT coalesce(sum(amount), 0) FROM payment
               WHERE organization_id = $1 AND customer_id = $2 AND status = 'succeeded'
                 AND (paid_at AT TIME ZONE $4)::date < $3::date))::numeric(20, 2)::text AS opening`,
    [organizationId, customerId, range.from ?? '0001-01-01', timeZone],
  );
  return {
    opening: opening.rows[0]!.opening,
    entries: rows.map(({ at: _at, ...e }: StatementEntry & { at?: unknown }) => e),
  };
}

/** The organization's name as Sales knows it (for a statement's letterhead). */
export async function organizationName(q: Queryable, organizationId: string): Promise<string | null> {
  const { rows } = await q.query<{ name: string }>(
    'SELECT name FROM billing_organization WHERE organization_id = $1',
    [organizationId],
  );
  return rows[0]?.name ?? null;
}
