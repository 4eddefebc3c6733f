import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { isSpanContextValid, type Span } from '@opentelemetry/api';
import {
  SpanKind,
  SpanStatusCode,
  contextFromTraceparent,
  contextWith,
  startSpan,
  TRACEPARENT_HEADER,
} from '../observability/tracing.js';

declare module 'fastify' {
  interface FastifyRequest {
    traceSpan: Span | null;
  }
}

// Probes and scrapes come every few seconds and say nothing about the business: no spans.
const UNTRACED = /^\/(metrics|health\/)/;

/**
 * A server span per request (HTTP semantic conventions), continuing the caller's `traceparent`,
 * made the current trace context of the request's work (after correlation.ts has set it up).
 */
function serverTracing(app: FastifyInstance, opts: { service: string }, ready: () => void): void {
  const { service } = opts;
  app.decorateRequest('traceSpan', null);
  app.addHook('onRequest', (request, _reply, done) => {
    if (UNTRACED.test(request.url)) return done();
    const route = request.is404 ? undefined : request.routeOptions.url;
    const parent = contextFromTraceparent(request.headers[TRACEPARENT_HEADER]);
    const span = startSpan(service, route ? `${request.method} ${route}` : request.method, {
      kind: SpanKind.SERVER,
      parent,
      attributes: () => ({
        'http.request.method': request.method,
        'url.path': request.url.split('?')[0]!,
        ...(route ? { 'http.route': route } : {}),
      }),
    });
    // Tracing off and no caller's trace to pass on: nothing to carry.
    if (!isSpanContextValid(span.spanContext())) return done();
    request.traceSpan = span;
    // The same object correlation.ts made current: the handler and the later hooks see the span.
    if (request.workContext) request.workContext.trace = contextWith(span, parent);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const span = request.traceSpan;
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
  ready();
}

export const serverTracingPlugin = fp(serverTracing, {
  name: 'dhanman-server-tracing',
  fastify: '5.x',
  dependencies: ['dhanman-correlation'],
});
