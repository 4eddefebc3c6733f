import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { runWithContext } from '../observability/context.js';
import './route-config.js';

export const CORRELATION_HEADER = 'x-correlation-id';

/** Ids a caller may choose: short and plain, so they are safe in logs, headers and message envelopes. */
export const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's correlation id when it is acceptable, else a new one. */
export function correlationIdFrom(header: unknown): string {
  return typeof header === 'string' && CORRELATION_ID.test(header) ? header : randomUUID();
}

/**
 * Gives every request a correlation id (kept if sent, made if not), returns it in the response and
 * makes the request's work context current for the rest of its hooks and its handler. The context
 * is re-entered before validation: Node emits body events in the connection's async context, not
 * the hook's. `run` (not `enterWith`) keeps it from leaking into the caller of `inject` or into
 * the next request on a kept-alive connection.
 */
function correlation(app: FastifyInstance, _opts: unknown, done: () => void): void {
  app.decorateRequest('workContext', null as never);
  app.addHook('onRequest', (request, reply, done) => {
    const correlationId = correlationIdFrom(request.headers[CORRELATION_HEADER]);
    request.workContext = { correlationId, causationId: request.id };
    reply.header(CORRELATION_HEADER, correlationId);
    runWithContext(request.workContext, done);
  });
  const reenter = (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    if (request.workContext) runWithContext(request.workContext, done);
    else done();
  };
  app.addHook('preValidation', reenter);
  app.addHook('preHandler', reenter);
  done();
}

export const correlationPlugin = fp(correlation, { name: 'dhanman-correlation', fastify: '5.x' });
