import type { Queryable } from '#platform/data/db.js';

export interface Vendor {
  id: string;
  companyId: string;
  name: string;
  email: string | null;
  createdAt: string;
}

interface VendorRow {
  id: string;
  company_id: string;
  name: string;
  email: string | null;
  created_at: Date;
}

const COLUMNS = 'id, company_id, name, email, created_at';

const toVendor = (r: VendorRow): Vendor => ({
  id: r.id,
  companyId: r.company_id,
  name: r.name,
  email: r.email,
  createdAt: new Date(r.created_at).toISOString(),
});

export async function insertVendor(
  q: Queryable,
  v: {
    id: string;
    organizationId: string;
    companyId: string;
    name: string;
    email: string | null;
    createdBy: string;
    idempotencyKey: string | null;
  },
): Promise<Vendor> {
  const { rows } = await q.query<VendorRow>(
    `INSERT INTO vendor (id, organization_id, company_id, name, email, created_by, idempotency_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
    [v.id, v.organizationId, v.companyId, v.name, v.email, v.createdBy, v.idempotencyKey],
  );
  return toVendor(rows[0]!);
}

export async function getVendor(q: Queryable, organizationId: string, id: string): Promise<Vendor | null> {
  const { rows } = await q.query<VendorRow>(
    `SELECT ${COLUMNS} FROM vendor WHERE organization_id = $1 AND id = $2`,
    [organizationId, id],
  );
  return rows[0] ? toVendor(rows[0]) : null;
}

/** A page of vendors by name, after the given (name, id). */
export async function listVendors(
  q: Queryable,
  organizationId: string,
  page: { limit: number; after?: { name: string; id: string } | undefined },
): Promise<Vendor[]> {
  const { rows } = await q.query<VendorRow>(
    `SELECT ${COLUMNS} FROM vendor
      WHERE organization_id = $1 AND ($2::text IS NULL OR (name, id) > ($2, $3::uuid))
      ORDER BY name, id LIMIT $4`,
    [organizationId, page.after?.name ?? null, page.after?.id ?? null, page.limit],
  );
  return rows.map(toVendor);
}
