import { z } from 'zod';
import { PERMISSIONS } from '#contracts/permissions.js';
import type { Db } from '#platform/data/db.js';
import type { HttpApp } from '#platform/http/app.js';
import { principalOf } from '#platform/http/authentication.js';
import { decodeCursor, pageQuery, pageSchema, toPage } from '#platform/http/pagination.js';

const vendorSchema = z.object({ id: z.uuid(), companyId: z.uuid(), name: z.string(), email: z.string() });

/** The organization's vendors (the parties purchase orders and bills are raised against). */
export function purchaseRoutes(app: HttpApp, db: Db): void {
  app.get(
    '/api/vendors',
    {
      config: { permission: PERMISSIONS.purchaseOrdersRead },
      schema: {
        summary: 'Vendors, by name',
        querystring: pageQuery(),
        response: { 200: pageSchema(vendorSchema) },
      },
    },
    async (request) => {
      const after = decodeCursor(request.query.cursor, z.object({ name: z.string(), id: z.uuid() }));
      const { rows } = await db.query<{ id: string; company_id: string; name: string; email: string }>(
        `SELECT id, company_id, name, email FROM vendor
         WHERE organization_id = $1 AND ($2::text IS NULL OR (name, id) > ($2, $3::uuid))
         ORDER BY name, id LIMIT $4`,
        [
          principalOf(request).organizationId,
          after?.name ?? null,
          after?.id ?? null,
          request.query.limit + 1,
        ],
      );
      return toPage(
        rows,
        request.query.limit,
        (r) => ({ name: r.name, id: r.id }),
        (r) => ({ id: r.id, companyId: r.company_id, name: r.name, email: r.email }),
      );
    },
  );
}
