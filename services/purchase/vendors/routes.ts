import { z } from 'zod';
import type { Db } from '#platform/data/db.js';
import type { HttpApp } from '#platform/http/app.js';
import { principalOf } from '#platform/http/authentication.js';
import { decodeCursor, pageQuery, pageSchema, toPage } from '#platform/http/pagination.js';
import { runWrite } from '#platform/http/write.js';
import type { Bus } from '#platform/messaging/bus.js';
import { PERMISSIONS } from '#contracts/permissions.js';
import { createVendor } from './create.js';
import { listVendors } from './store.js';

const vendorSchema = z.object({
  id: z.uuid(),
  companyId: z.uuid(),
  name: z.string(),
  email: z.string().nullable(),
  createdAt: z.string(),
});

/** The organization's vendors (the parties purchase orders and bills are raised against). */
export function vendorRoutes(app: HttpApp, deps: { db: Db; bus: Bus }): void {
  app.post(
    '/api/vendors',
    {
      config: { permission: PERMISSIONS.purchaseOrdersWrite, idempotency: 'required' },
      schema: {
        tags: ['vendors'],
        summary: 'Add a vendor',
        body: z.object({
          name: z.string().trim().min(1).max(200),
          email: z.email().max(320).optional(),
          companyId: z.uuid().optional(),
        }),
        response: { 201: vendorSchema },
      },
    },
    async (request, reply) => {
      const { body } = await runWrite(deps, request, (work) =>
        createVendor(work, principalOf(request), request.body, request.idempotency?.key ?? null),
      );
      return reply.code(201).header('location', `/api/vendors/${body.id}`).send(body);
    },
  );

  app.get(
    '/api/vendors',
    {
      config: { permission: PERMISSIONS.purchaseOrdersRead },
      schema: {
        tags: ['vendors'],
        summary: 'Vendors, by name',
        querystring: pageQuery(),
        response: { 200: pageSchema(vendorSchema) },
      },
    },
    async (request) => {
      const after = decodeCursor(request.query.cursor, z.object({ name: z.string(), id: z.uuid() }));
      const rows = await listVendors(deps.db, principalOf(request).organizationId, {
        limit: request.query.limit + 1,
        after,
      });
      return toPage(
        rows,
        request.query.limit,
        (v) => ({ name: v.name, id: v.id }),
        (v) => v,
      );
    },
  );
}
