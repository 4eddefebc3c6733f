import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import {
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPES,
  ProblemError,
  isProblemError,
  notFound,
  validationFailed,
  type FieldError,
  type Problem,
} from './problem.js';
import './route-config.js';

/** Where Fastify says a validation problem was found, in the words the API documents. */
const PLACES: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
};

/** Fastify's own 4xx errors, by code, as stable problem types. */
const FASTIFY_4XX: Record<string, { type: string; title: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { type: PROBLEM_TYPES.payloadTooLarge, title: 'Payload too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    type: PROBLEM_TYPES.unsupportedMediaType,
    title: 'Unsupported media type',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { type: PROBLEM_TYPES.malformedBody, title: 'Malformed body' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { type: PROBLEM_TYPES.malformedBody, title: 'Malformed body' },
  FST_ERR_CTP_INVALID_JSON_BODY: { type: PROBLEM_TYPES.malformedBody, title: 'Malformed body' },
};

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function fieldErrors(err: FastifyError): FieldError[] {
  const place = PLACES[err.validationContext ?? 'body'] ?? String(err.validationContext);
  return ((err.validation ?? []) as ValidationIssue[]).slice(0, 50).map((v) => {
    const path = (v.instancePath ?? '').split('/').filter(Boolean).join('.');
    const missing = typeof v.params?.missingProperty === 'string' ? v.params.missingProperty : undefined;
    return {
      in: place,
      path: missing ? [path, missing].filter(Boolean).join('.') : path,
      message: v.message ?? 'invalid',
    };
  });
}

/** Turns any error into a problem: the caller's mistakes are 4xx, ours a 500 without internals. */
export function problemFor(err: unknown): {
  problem: Problem;
  headers: Record<string, string>;
  internal: boolean;
} {
  const answer = (e: ProblemError, internal = false) => ({
    problem: { ...e.problem },
    headers: e.headers,
    internal,
  });
  if (isProblemError(err)) return answer(err);
  const fe = err as Partial<FastifyError> & { status?: number };
  if (fe && Array.isArray(fe.validation)) return answer(validationFailed(fieldErrors(fe as FastifyError)));
  const status = fe?.statusCode ?? fe?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const known = fe.code ? FASTIFY_4XX[fe.code] : undefined;
    return answer(
      new ProblemError({
        type: known?.type ?? (status === 404 ? PROBLEM_TYPES.notFound : PROBLEM_TYPES.badRequest),
        title: known?.title ?? STATUS_CODES[status] ?? 'Bad request',
        status,
        detail: typeof fe.message === 'string' ? fe.message.slice(0, 500) : undefined,
      }),
    );
  }
  const internal = new ProblemError({
    type: PROBLEM_TYPES.internal,
    title: 'Internal error',
    status: 500,
    detail: 'Something went wrong on our side; the correlation id identifies it in the logs.',
  });
  return answer(internal, true);
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: Problem,
  headers: Record<string, string> = {},
): FastifyReply {
  const body: Problem = {
    ...problem,
    instance: request.url.split('?')[0],
    ...(request.workContext ? { correlationId: request.workContext.correlationId } : {}),
  };
  return reply.code(problem.status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

export function registerProblemHandlers(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((err, request, reply) => {
    const { problem, headers, internal } = problemFor(err);
    if (internal) {
      log.error({ err, method: request.method, url: request.url }, 'request failed');
    } else if (problem.status >= 500) {
      log.warn({ problem, method: request.method, url: request.url }, 'request could not be served');
    }
    return sendProblem(request, reply, problem, headers);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, notFound(`No route ${request.method} ${request.url.split('?')[0]}.`).problem),
  );
}

/** Problem bodies carry the request's correlation id, so the error handler comes after correlation. */
export const problemHandlersPlugin = fp(
  async (app: FastifyInstance, { log }: { log: Logger }) => registerProblemHandlers(app, log),
  { name: 'dhanman-problems', fastify: '5.x', dependencies: ['dhanman-correlation'] },
);
