import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PERMISSIONS } from '#contracts/permissions.js';
import type { Queryable } from '#platform/data/db.js';
import { CORRELATION_ID } from '#platform/http/correlation.js';
import { callerScopeOf } from '#platform/http/ops-scope.js';
import { traceOf } from './activity-trace.js';

/**
 * `GET /api/ops/trace/{correlationId}`: what this service did with one correlation id, in order
 * (its activity log and the messages it published), for the caller's organization only (an
 * operator's: whichever organization the thread belongs to).
 */
export function traceRoute(app: FastifyInstance, opts: { service: string; db: Queryable }): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/ops/trace/:correlationId',
    {
      schema: {
        tags: ['operations'],
        summary: 'What this service did for a correlation id, in order',
        params: z.object({
          correlationId: z.string().regex(CORRELATION_ID, 'expected a correlation id'),
        }),
        response: {
          200: z.object({
            correlationId: z.string(),
            service: z.string(),
            entries: z.array(
              z.object({
                at: z.string(),
                service: z.string(),
                action: z.string(),
                detail: z.record(z.string(), z.unknown()),
              }),
            ),
          }),
        },
      },
      config: { permission: PERMISSIONS.opsRead },
    },
    async (request) => ({
      correlationId: request.params.correlationId,
      service: opts.service,
      entries: await traceOf(
        opts.db,
        opts.service,
        request.params.correlationId,
        callerScopeOf(request).organizationId,
      ),
    }),
  );
}
