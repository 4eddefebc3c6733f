import type { FastifyPluginAsync } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PERMISSIONS } from '#contracts/permissions.js';
import type { Db } from '#platform/data/db.js';
import { callerScopeOf, inOpsScope, opsScopeOf, organizationFilter } from '#platform/http/ops-scope.js';
import { decodeCursor, pageQuery, pageSchema, toPage } from '#platform/http/pagination.js';
import { notFound } from '#platform/http/problem.js';
import { isActive, SAGA_STATUSES } from '#platform/sagas/saga.js';
import { getInstance, stepsOf, type StepRecord } from '#platform/sagas/queries.js';
import { listInstances } from './saga-queries.js';
import type { InstanceRecord } from '#platform/sagas/store.js';

/** What the ops routes ask of the caller's token. */
const config = { permission: PERMISSIONS.opsSagas };
const tags = ['operations'];

const stepSchema = z.object({
  name: z.string(),
  phase: z.enum(['forward', 'compensate']),
  status: z.enum(['running', 'done', 'failed', 'retrying']),
  attempts: z.number(),
  firstAttemptAt: z.string(),
  lastAttemptAt: z.string(),
  finishedAt: z.string().nullable(),
  lastError: z.string().nullable(),
  note: z.string().nullable(),
});
const summarySchema = z.object({
  id: z.uuid(),
  organizationId: z.string().nullable(),
  type: z.string(),
  status: z.enum(SAGA_STATUSES),
  currentStep: z.string().nullable(),
  failureReason: z.string().nullable(),
  correlationId: z.string().nullable(),
  nextRunAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
});
const fullSchema = summarySchema.extend({
  state: z.record(z.string(), z.unknown()),
  steps: z.array(stepSchema),
});
const cursorSchema = z.object({ p: z.string().min(1).max(64), id: z.uuid() });
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** The step history of an instance, oldest first, for views beside a business document. */
export const stepView = (s: StepRecord) => ({
  name: s.name,
  phase: s.phase,
  status: s.status,
  attempts: s.attempts,
  firstAttemptAt: iso(s.firstAttemptAt)!,
  lastAttemptAt: iso(s.lastAttemptAt)!,
  finishedAt: iso(s.finishedAt),
  lastError: s.lastError,
  note: s.note,
});

export interface SagaRoutesOptions {
  db: Db;
}

/**
 * `/api/ops/sagas`: instances by type and status (newest first), and one instance with its state
 * and the history of its steps. An organization's admin sees its own instances (another's answer
 * 404); an operator every one, `organizationId` filtering the list.
 */
export const sagaRoutes: FastifyPluginAsync<SagaRoutesOptions> = async (parent, { db }) => {
  parent.setValidatorCompiler(validatorCompiler);
  parent.setSerializerCompiler(serializerCompiler);
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const summary = (i: InstanceRecord) => ({
    id: i.id,
    organizationId: i.organizationId,
    type: i.type,
    status: i.status,
    currentStep: isActive(i.status) ? i.step : null,
    failureReason: i.failureReason,
    correlationId: i.correlationId,
    nextRunAt: iso(i.nextRunAt),
    createdAt: iso(i.createdAt)!,
    updatedAt: iso(i.updatedAt)!,
    finishedAt: iso(i.finishedAt),
  });

  app.get(
    '/api/ops/sagas',
    {
      config,
      schema: {
        tags,
        summary: 'Saga instances, newest first, by type and status',
        querystring: pageQuery().extend({
          ...organizationFilter.shape,
          type: z.string().min(1).max(100).optional(),
          status: z.enum(SAGA_STATUSES).optional(),
        }),
        response: { 200: pageSchema(summarySchema) },
      },
    },
    async (req) => {
      const q = req.query;
      const after = decodeCursor(q.cursor, cursorSchema);
      const scope = opsScopeOf(req, q.organizationId);
      if (!scope) return { items: [], nextCursor: null };
      const rows = await listInstances(db, {
        organizationId: scope.organizationId,
        type: q.type,
        status: q.status,
        limit: q.limit + 1,
        before: after ? { createdAt: after.p, id: after.id } : undefined,
      });
      return toPage(rows, q.limit, (i) => ({ p: i.position, id: i.id }), summary);
    },
  );

  app.get(
    '/api/ops/sagas/:id',
    {
      config,
      schema: {
        tags,
        summary: 'One saga instance: its state and the history of its steps',
        params: z.object({ id: z.uuid() }),
        response: { 200: fullSchema },
      },
    },
    async (req) => {
      const i = await getInstance(db, req.params.id);
      if (!i || !inOpsScope(callerScopeOf(req), i.organizationId)) {
        throw notFound(`no saga ${req.params.id}`);
      }
      return { ...summary(i), state: i.state, steps: (await stepsOf(db, i.id)).map(stepView) };
    },
  );
};
