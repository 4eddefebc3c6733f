import type { FastifyPluginAsync } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PERMISSIONS } from '#contracts/permissions.js';
import { callerScopeOf, opsScopeOf, organizationFilter } from '#platform/http/ops-scope.js';
import { conflict, notFound } from '#platform/http/problem.js';
import { JOB_STATES } from '#platform/jobs/job-states.js';
import type { JobAction, JobScope } from './job-admin.js';
import type { JobOperations } from './job-operations.js';

/** What the job operations ask of the caller's token; the auth hook enforces it. */
const config = { permission: PERMISSIONS.opsJobs };
const tags = ['operations'];

const state = z.enum(JOB_STATES);
const job = z.object({
  id: z.string(),
  queue: z.string(),
  state,
  data: z.unknown(),
  startAfter: z.string(),
  attempts: z.number(),
  error: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
const recurring = z.object({
  name: z.string(),
  queue: z.string(),
  cron: z.string(),
  timezone: z.string(),
  nextRunAt: z.string().nullable(),
  lastRunAt: z.string().nullable(),
  lastState: state.nullable(),
});
const idParams = z.object({ id: z.string().max(100) });

/** An organization's admin acts on its own jobs (`data.organizationId`), an operator on all. */
function answer(id: string, result: JobAction, verb: string) {
  if (result.outcome === 'done') return result.job;
  if (result.outcome === 'not-found') throw notFound(`No job ${id}.`);
  throw conflict(`Job ${id} is ${result.state}: it cannot be ${verb}.`);
}

/**
 * Job operations for every service with jobs (design section 10): recurring jobs with "trigger
 * now"; jobs by queue and state with their data, attempts and error; run now, retry, cancel.
 */
export const jobOpsRoutes: FastifyPluginAsync<{ ops: JobOperations }> = async (app, { ops }) => {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/ops/jobs/recurring',
    {
      config,
      schema: {
        tags,
        summary: 'Recurring jobs with next and last run',
        querystring: organizationFilter,
        response: { 200: z.object({ items: z.array(recurring) }) },
      },
    },
    async (request) => {
      const scope = opsScopeOf(request, request.query.organizationId);
      return { items: scope ? await ops.recurring(scope) : [] };
    },
  );

  r.post(
    '/api/ops/jobs/recurring/:name/trigger',
    {
      config,
      schema: {
        tags,
        summary: 'Run a recurring job now (its schedule stays)',
        params: z.object({ name: z.string().min(1).max(300) }),
        response: { 202: z.object({ name: z.string(), jobId: z.string() }) },
      },
    },
    async (request, reply) => {
      const jobId = await ops.trigger(callerScopeOf(request), request.params.name);
      if (!jobId) throw notFound(`No recurring job ${request.params.name}.`);
      return reply.code(202).send({ name: request.params.name, jobId });
    },
  );

  r.get(
    '/api/ops/jobs',
    {
      config,
      schema: {
        tags,
        summary: 'Jobs by queue and state, newest first',
        querystring: organizationFilter.extend({
          queue: z.string().min(1).max(200).optional(),
          state: state.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ items: z.array(job) }) },
      },
    },
    async (request) => {
      const { queue, state: s, limit, organizationId } = request.query;
      const scope = opsScopeOf(request, organizationId);
      if (!scope) return { items: [] };
      return {
        items: await ops.list(scope, {
          limit,
          ...(queue ? { queue } : {}),
          ...(s ? { state: s } : {}),
        }),
      };
    },
  );

  r.get(
    '/api/ops/jobs/:id',
    { config, schema: { tags, summary: 'One job', params: idParams, response: { 200: job } } },
    async (request) => {
      const found = await ops.get(callerScopeOf(request), request.params.id);
      if (!found) throw notFound(`No job ${request.params.id}.`);
      return found;
    },
  );

  const action = (
    path: string,
    summary: string,
    verb: string,
    run: (scope: JobScope, id: string) => Promise<JobAction>,
  ) =>
    r.post(
      `/api/ops/jobs/:id/${path}`,
      { config, schema: { tags, summary, params: idParams, response: { 200: job } } },
      async (request) =>
        answer(request.params.id, await run(callerScopeOf(request), request.params.id), verb),
    );
  action('run-now', 'Make a scheduled job due now', 'run now', (scope, id) => ops.runNow(scope, id));
  action('retry', 'Run a finished job (failed, cancelled, completed) again', 'retried', (scope, id) =>
    ops.retry(scope, id),
  );
  action('cancel', 'Cancel a job not yet finished', 'cancelled', (scope, id) => ops.cancel(scope, id));
};
