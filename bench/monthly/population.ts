import pg from 'pg';

/** A pg pool on one service's database of the bench's PostgreSQL. */
export function serviceDb(serverUrl: string, prefix: string, service: string): pg.Pool {
  const url = new URL(serverUrl);
  url.pathname = `/${prefix}_${service}`;
  return new pg.Pool({ connectionString: url.toString(), max: 2 });
}

/**
 * `count` residents of an organization, each the customer of the same id in Common: written
 * straight into Common's and Community's tables (the bench measures the run, not the data entry).
 * Ids are derived from the organization and the index, so both sides agree without a round trip.
 */
export async function populate(
  dbs: { common: pg.Pool; community: pg.Pool },
  org: { organizationId: string; companyId: string; tag: string },
  count: number,
): Promise<void> {
  const id = (kind: string) => `md5($1::text || '${kind}' || i)::uuid`;
  await dbs.common.query(
    `INSERT INTO customer (id, organization_id, company_id, name, email)
     SELECT ${id('customer')}, $1::uuid, $2::uuid, 'Resident ' || i, $3 || '-' || i || '@residents.example'
       FROM generate_series(1, $4::int) AS i`,
    [org.organizationId, org.companyId, org.tag, count],
  );
  await dbs.community.query(
    `INSERT INTO building (id, organization_id, company_id, name) VALUES (md5($1::text || 'building')::uuid, $1::uuid, $2::uuid, 'Tower')`,
    [org.organizationId, org.companyId],
  );
  await dbs.community.query(
    `INSERT INTO unit (id, organization_id, company_id, building_id, code)
     SELECT ${id('unit')}, $1::uuid, $2::uuid, md5($1::text || 'building')::uuid, 'U-' || i FROM generate_series(1, $3::int) AS i`,
    [org.organizationId, org.companyId, count],
  );
  await dbs.community.query(
    `INSERT INTO resident (id, organization_id, company_id, unit_id, customer_id, name, email, monthly_charges)
     SELECT ${id('resident')}, $1::uuid, $2::uuid, ${id('unit')}, ${id('customer')}, 'Resident ' || i,
            $3 || '-' || i || '@residents.example', 2500
       FROM generate_series(1, $4::int) AS i`,
    [org.organizationId, org.companyId, org.tag, count],
  );
}
