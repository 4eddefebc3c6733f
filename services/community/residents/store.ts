import type { Queryable } from '#platform/data/db.js';

export interface Resident {
  id: string;
  customerId: string;
  companyId: string;
  name: string;
  email: string;
  unit: string;
  status: 'active' | 'moved-out';
  monthlyCharges: string;
}

interface ResidentRow {
  id: string;
  customer_id: string;
  company_id: string;
  name: string;
  email: string;
  unit: string;
  status: 'active' | 'moved-out';
  monthly_charges: string;
}

const SELECT_RESIDENT = `SELECT r.id, r.customer_id, r.company_id, r.name, r.email, u.code AS unit, r.status,
  r.monthly_charges FROM resident r JOIN unit u ON u.id = r.unit_id`;

const toResident = (r: ResidentRow): Resident => ({
  id: r.id,
  customerId: r.customer_id,
  companyId: r.company_id,
  name: r.name,
  email: r.email,
  unit: r.unit,
  status: r.status,
  monthlyCharges: r.monthly_charges,
});

/** Active residents of an organization by id, after `afterId`, `limit` of them. */
export async function activeResidents(
  q: Queryable,
  organizationId: string,
  afterId: string | null,
  limit: number,
): Promise<Resident[]> {
  const { rows } = await q.query<ResidentRow>(
    `${SELECT_RESIDENT} WHERE r.organization_id = $1 AND r.status = 'active' AND ($2::uuid IS NULL OR r.id > $2)
     ORDER BY r.id LIMIT $3`,
    [organizationId, afterId, limit],
  );
  return rows.map(toResident);
}

export async function residentById(
  q: Queryable,
  organizationId: string,
  id: string,
): Promise<Resident | null> {
  const { rows } = await q.query<ResidentRow>(
    `${SELECT_RESIDENT} WHERE r.organization_id = $1 AND r.id = $2`,
    [organizationId, id],
  );
  return rows[0] ? toResident(rows[0]) : null;
}
