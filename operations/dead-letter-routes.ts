import type { FastifyPluginAsync } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PERMISSIONS } from '#contracts/permissions.js';
import { callerScopeOf, opsScopeOf, organizationFilter, type OpsScope } from '#platform/http/ops-scope.js';
import { conflict, dependencyUnavailable, notFound } from '#platform/http/problem.js';
import { DEAD_LETTER_ID, DEAD_LETTER_STATUSES } from './dead-letter-filter.js';
import type { DeadLetterAction, DeadLetterOperations } from './dead-letters.js';
import { errorText } from '#platform/messaging/log.js';

export interface DeadLetterRoutesOptions {
  store: DeadLetterOperations;
}

/** What a route asks of the caller's token; the auth hook enforces it. */
const config = { permission: PERMISSIONS.opsDeadLetters };
const BASE = '/api/ops/dead-letters';
const tags = ['operations'];

const id = z.object({ id: z.string().regex(DEAD_LETTER_ID, 'expected a dead letter id (digits)') });
const isoTime = z.iso.datetime({ offset: true });
const filter = organizationFilter.extend({
  category: z.string().min(1).max(100).optional(),
  type: z.string().min(1).max(200).optional(),
  originalQueue: z.string().min(1).max(255).optional(),
  messageId: z.string().min(1).max(200).optional(),
  since: isoTime.optional(),
  until: isoTime.optional(),
});
const listQuery = filter.extend({
  status: z.enum(DEAD_LETTER_STATUSES as [string, ...string[]]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().regex(DEAD_LETTER_ID).optional(),
});
const summary = z.object({
  id: z.string(),
  organizationId: z.string().nullable(),
  messageId: z.string().nullable(),
  type: z.string().nullable(),
  originalQueue: z.string(),
  category: z.string(),
  reason: z.string(),
  attempts: z.number(),
  status: z.enum(DEAD_LETTER_STATUSES as [string, ...string[]]),
  deadLetteredAt: z.string(),
  replayedAt: z.string().nullable(),
  discardedAt: z.string().nullable(),
});
const full = summary.extend({
  error: z.string().nullable(),
  stack: z.string().nullable(),
  body: z.string(),
  headers: z.record(z.string(), z.unknown()),
  archivedAt: z.string(),
});
/** The dead letter an action was taken on, or the problem why it could not be (problem+json by the app). */
function answer(id: string, result: DeadLetterAction, verb: string) {
  switch (result.outcome) {
    case 'done':
      return result.deadLetter;
    case 'not-found':
      throw notFound(`no dead letter ${id}`);
    case 'not-open':
      throw conflict(`dead letter ${id} is ${result.deadLetter.status}; only open ones can be ${verb}`);
    case 'not-replayable':
      throw conflict(`dead letter ${id} has no known original queue to go back to`);
  }
}

/** Sending to the broker failed: the caller may try again once it is back. */
async function viaBroker<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    throw dependencyUnavailable('broker', `the broker did not take the message: ${errorText(err)}`);
  }
}

/** The filter narrowed to the caller's scope; null when the caller may see none of it. */
function scoped<F extends { organizationId?: string | undefined }>(scope: OpsScope | null, f: F): F | null {
  if (!scope) return null;
  const { organizationId: _asked, ...rest } = f;
  return { ...rest, ...(scope.organizationId ? { organizationId: scope.organizationId } : {}) } as F;
}

/**
 * `/api/ops/dead-letters`: list (filters, newest first, cursor paging), inspect, replay one or all
 * matching, discard. Registered per service on its own store; each route needs `ops:dead-letters`.
 * An organization's admin reaches the dead letters whose envelope names its organization (another's
 * answer 404 and are absent from lists); an operator all of them, `organizationId` filtering.
 */
export const deadLetterRoutes: FastifyPluginAsync<DeadLetterRoutesOptions> = async (parent, { store }) => {
  parent.setValidatorCompiler(validatorCompiler);
  parent.setSerializerCompiler(serializerCompiler);
  const app = parent.withTypeProvider<ZodTypeProvider>();

  app.get(
    BASE,
    {
      config,
      schema: {
        tags,
        summary: 'List dead letters, newest first',
        querystring: listQuery,
        response: { 200: z.object({ items: z.array(summary), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => {
      const query = req.query as z.infer<typeof listQuery> & { status?: 'open' };
      const f = scoped(opsScopeOf(req, query.organizationId), query);
      return f ? store.list(f) : { items: [], nextCursor: null };
    },
  );

  app.get(
    `${BASE}/:id`,
    {
      config,
      schema: {
        tags,
        summary: 'One dead letter with its body, error and stack',
        params: id,
        response: { 200: full },
      },
    },
    async (req) => {
      const dl = await store.get(req.params.id, callerScopeOf(req));
      if (!dl) throw notFound(`no dead letter ${req.params.id}`);
      return dl;
    },
  );

  app.post(
    `${BASE}/:id/replay`,
    {
      config,
      schema: {
        tags,
        summary: 'Send a dead letter back to its original queue with a fresh attempt count',
        params: id,
        response: { 200: full },
      },
    },
    async (req) =>
      answer(
        req.params.id,
        await viaBroker(() => store.replay(req.params.id, callerScopeOf(req))),
        'replayed',
      ),
  );

  app.post(
    `${BASE}/replay`,
    {
      config,
      schema: {
        tags,
        summary: 'Replay every open dead letter matching the filter (all open ones without a filter)',
        body: filter.optional(),
        response: { 200: z.object({ replayed: z.number() }) },
      },
    },
    async (req) => {
      const f = scoped(opsScopeOf(req, req.body?.organizationId), req.body ?? {});
      return f ? viaBroker(() => store.replayAll(f)) : { replayed: 0 };
    },
  );

  app.delete(
    `${BASE}/:id`,
    {
      config,
      schema: {
        tags,
        summary: 'Discard a dead letter (kept, marked discarded)',
        params: id,
        response: { 200: full },
      },
    },
    async (req) => answer(req.params.id, await store.discard(req.params.id, callerScopeOf(req)), 'discarded'),
  );
};
