import { z } from 'zod';
import { PERMISSIONS } from '#contracts/permissions.js';
import type { HttpApp } from '#platform/http/app.js';
import { principalOf } from '#platform/http/authentication.js';
import { decodeCursor, pageQuery, pageSchema, toPage } from '#platform/http/pagination.js';
import { notFound } from '#platform/http/problem.js';
import type { Db } from '#platform/data/db.js';
import { activeResidents, residentById } from './store.js';

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

/** Residents, scoped to the caller's organization; the monthly run pages through the active ones. */
export function residentRoutes(app: HttpApp, deps: { db: Db }): void {
  const { db } = deps;
  app.get(
    '/api/residents/active',
    {
      config: { permission: PERMISSIONS.residentsRead },
      schema: {
        summary: 'Active residents with their monthly charges (paged by id)',
        querystring: pageQuery(100),
        response: { 200: pageSchema(residentSchema) },
      },
    },
    async (request) => {
      const { organizationId } = principalOf(request);
      const after = decodeCursor(request.query.cursor, z.object({ id: z.uuid() }));
      const rows = await activeResidents(db, organizationId, after?.id ?? null, request.query.limit + 1);
      return toPage(rows, request.query.limit, (r) => ({ id: r.id }));
    },
  );

  app.get(
    '/api/residents/:id',
    {
      config: { permission: PERMISSIONS.residentsRead },
      schema: { params: z.object({ id: z.uuid() }), response: { 200: residentSchema } },
    },
    async (request) => {
      const resident = await residentById(db, principalOf(request).organizationId, request.params.id);
      if (!resident) throw notFound(`No resident ${request.params.id}.`);
      return resident;
    },
  );
}
