import { z } from 'zod';
import { PERMISSIONS } from '#contracts/permissions.js';
import type { HttpApp } from '#platform/http/app.js';
import { principalOf } from '#platform/http/authentication.js';
import { decodeCursor, pageQuery, pageSchema, toPage } from '#platform/http/pagination.js';
import { notFound } from '#platform/http/problem.js';
import type { Db } from '#platform/data/db.js';

const residentSchema = z.object({
  id: z.uuid(),
  customerId: z.uuid(),
  companyId: z.uuid(),
  name: z.string(),
  email: z.string(),
  unit: z.string(),
  status: z.enum(['active', 'moved-out']),
  monthlyCharges: z.string(),
});

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

const toResident = (r: ResidentRow) => ({
  id: r.id,
  customerId: r.customer_id,
  companyId: r.company_id,
  name: r.name,
  email: r.email,
  unit: r.unit,
  status: r.status,
  monthlyCharges: r.monthly_charges,
});

/** Residents, scoped to the caller's organization; the monthly run pages through the active ones. */
export function communityRoutes(app: HttpApp, db: Db): void {
  app.get(
    '/api/residents/active',
    {
      config: { permission: PERMISSIONS.residentsRead },
      schema: {
        summary: 'Active residents with their monthly charges (paged by id)',
        querystring: pageQuery(100, 1000),
        response: { 200: pageSchema(residentSchema) },
      },
    },
    async (request) => {
      const { organizationId } = principalOf(request);
      const after = decodeCursor(request.query.cursor, z.object({ id: z.uuid() }));
      const { rows } = await db.query<ResidentRow>(
        `${SELECT_RESIDENT} WHERE r.organization_id = $1 AND r.status = 'active' AND ($2::uuid IS NULL OR r.id > $2)
         ORDER BY r.id LIMIT $3`,
        [organizationId, after?.id ?? null, request.query.limit + 1],
      );
      return toPage(rows, request.query.limit, (r) => ({ id: r.id }), toResident);
    },
  );

  app.get(
    '/api/residents/:id',
    {
      config: { permission: PERMISSIONS.residentsRead },
      schema: { params: z.object({ id: z.uuid() }), response: { 200: residentSchema } },
    },
    async (request) => {
      const { organizationId } = principalOf(request);
      const { rows } = await db.query<ResidentRow>(
        `${SELECT_RESIDENT} WHERE r.organization_id = $1 AND r.id = $2`,
        [organizationId, request.params.id],
      );
      if (!rows[0]) throw notFound(`No resident ${request.params.id}.`);
      return toResident(rows[0]);
    },
  );
}
