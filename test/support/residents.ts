/** What the population writes through: a pg pool, or a running service's Db. */
interface Sql {
  query(sql: string, params: unknown[]): Promise<unknown>;
}

/**
 * `count` residents of an organization, each the customer of the same id in Common: written
 * straight into Common's and Community's tables (the monthly bench and tests measure the run, not
 * the data entry): one building, a unit each, email `<tag>-<i>@residents.example`, charges 2500.
 * Ids are derived from the organization and the index, so both sides agree without a round trip.
 */
export async function populate(
  dbs: { common: Sql; community: Sql },
  org: { organizationId: string; companyId: string; tag: string },
  count: number,
): Promise<void> {
  // An md5 with the version (4) and variant (8) digits set: a uuid every schema accepts. A bare
  // md5 cast to uuid is not RFC 9562, and Community's answer (ids checked as uuids) fails on it.
  const id = (kind: string) => {
    const h = `md5($1::text || '${kind}' || i)`;
    return `(substr(${h}, 1, 12) || '4' || substr(${h}, 14, 3) || '8' || substr(${h}, 18))::uuid`;
  };
  await dbs.common.query(
    `INSERT INTO customer (id, organization_id, company_id, name, email)
     SELECT ${id('customer')}, $1::uuid, $2::uuid, 'Resident ' || i, $3 || '-' || i || '@residents.example'
       FROM generate_series(1, $4::int) AS i`,
    [org.organizationId, org.companyId, org.tag, count],
  );
  await dbs.community.query(
    `INSERT INTO building (id, organization_id, company_id, name) VALUES (gen_random_uuid(), $1::uuid, $2::uuid, 'Tower')`,
    [org.organizationId, org.companyId],
  );
  await dbs.community.query(
    `INSERT INTO unit (id, organization_id, company_id, building_id, code)
     SELECT ${id('unit')}, $1::uuid, $2::uuid, (SELECT id FROM building WHERE organization_id = $1::uuid), 'U-' || i
       FROM generate_series(1, $3::int) AS i`,
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
