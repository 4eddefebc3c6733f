import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '#platform/data/db.js';
import { principalOf } from '#platform/http/authentication.js';
import { PERMISSIONS } from '#contracts/permissions.js';

/** Most customers one lookup answers: a page of a monthly run. */
export const MAX_LOOKUP = 1000;

/**
 * Many customers by id in one call (the monthly run checks a page of residents at once rather than
 * one request per resident). Ids not in the caller's organization are simply absent.
 */
export function customerLookupRoute(app: FastifyInstance, db: Db): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/api/customers/lookup',
    {
      schema: {
        tags: ['customers'],
        summary: 'Customers by id (absent when unknown)',
        body: z.object({ ids: z.array(z.uuid()).min(1).max(MAX_LOOKUP) }),
        response: {
          200: z.object({
            items: z.array(
              z.object({ id: z.uuid(), companyId: z.uuid(), name: z.string(), email: z.string() }),
            ),
          }),
        },
      },
      config: { permission: PERMISSIONS.customersRead },
    },
    async (request) => {
      const { organizationId } = principalOf(request);
      const { rows } = await db.query<{ id: string; company_id: string; name: string; email: string }>(
        'SELECT id, company_id, name, email FROM customer WHERE organization_id = $1 AND id = ANY($2::uuid[])',
        [organizationId, request.body.ids],
      );
      return {
        items: rows.map((r) => ({ id: r.id, companyId: r.company_id, name: r.name, email: r.email })),
      };
    },
  );
}
