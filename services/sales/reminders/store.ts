import type { Queryable } from '#platform/data/db.js';

export interface DueReminder {
  id: string;
  companyId: string | null;
  number: string;
  customerId: string;
  customerName: string;
  customerEmail: string;
  amount: string;
  dueDate: string;
  correlationId: string | null;
}

/**
 * A page of the organization's invoices still issued, due in the window, not yet reminded of this
 * due date. Read without an index of its own: a daily scan of one organization's invoices costs
 * less than an index entry written with every invoice (bench:monthly).
 */
export async function dueInvoiceIds(
  q: Queryable,
  organizationId: string,
  window: { from: string; to: string },
  limit: number,
): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT i.id FROM invoice i
      WHERE i.organization_id = $1 AND i.status = 'issued' AND i.due_date BETWEEN $2::date AND $3::date
        AND NOT EXISTS (SELECT 1 FROM payment_reminder r WHERE r.invoice_id = i.id AND r.due_date = i.due_date)
      ORDER BY i.id LIMIT $4`,
    [organizationId, window.from, window.to, limit],
  );
  return rows.map((r) => r.id);
}

/**
 * Records the reminders of `ids` as sent for their current due date and returns those this call
 * recorded: a concurrent sweep that got there first keeps them (its insert wins the key), so each
 * invoice and due date is reminded once.
 */
export async function claimReminders(
  q: Queryable,
  organizationId: string,
  ids: readonly string[],
): Promise<DueReminder[]> {
  const { rows } = await q.query<{
    id: string;
    company_id: string | null;
    number: string;
    customer_id: string;
    customer_name: string;
    customer_email: string;
    amount: string;
    due_date: string;
    correlation_id: string | null;
  }>(
    `WITH claimed AS (
       INSERT INTO payment_reminder (invoice_id, due_date, organization_id)
       SELECT id, due_date, organization_id FROM invoice
        WHERE organization_id = $1 AND id = ANY($2::uuid[]) AND status = 'issued'
       ON CONFLICT DO NOTHING
       RETURNING invoice_id)
     SELECT i.id, i.company_id, i.number, i.customer_id, i.customer_name, i.customer_email,
            i.amount::text AS amount, i.due_date::text AS due_date, i.correlation_id
       FROM claimed c JOIN invoice i ON i.id = c.invoice_id
      ORDER BY i.id`,
    [organizationId, ids],
  );
  return rows.map((r) => ({
    id: r.id,
    companyId: r.company_id,
    number: r.number,
    customerId: r.customer_id,
    customerName: r.customer_name,
    customerEmail: r.customer_email,
    amount: r.amount,
    dueDate: r.due_date,
    correlationId: r.correlation_id,
  }));
}

/** Billing organizations and their zones (to schedule each one's sweep). */
export async function billingZones(
  q: Queryable,
): Promise<Array<{ organizationId: string; timeZone: string }>> {
  const { rows } = await q.query<{ organization_id: string; time_zone: string }>(
    'SELECT organization_id, time_zone FROM billing_organization ORDER BY organization_id',
  );
  return rows.map((r) => ({ organizationId: r.organization_id, timeZone: r.time_zone }));
}
