import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { runWithContext } from '../observability/context.js';
import { registerAuthentication, type AuthOptions } from './authentication.js';
import { registerCorrelation } from './correlation.js';
import { registerDrain } from './drain.js';
import { problemFor, registerProblemHandlers, sendProblem } from './error-handler.js';
import { registerIdempotency, type IdempotencyOptions } from './idempotency.js';
import { registerServerMetrics } from './metrics.js';
import { registerOpenApi, type OpenApiOptions } from './openapi.js';
import { registerRoutePolicy } from './route-policy.js';
import { registerServerTracing } from './tracing.js';
import './route-config.js';

export { registerHealth, type HealthOptions } from './health.js';
export type { AuthOptions } from './authentication.js';

/** A service's Fastify instance, typed for zod schemas on every route. */
export type HttpApp = FastifyInstance<
  Server,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface HttpAppOptions {
  service: string;
  log: Logger;
  /** Token verification for non-public routes; `false` (the default) allows public routes only. */
  auth?: AuthOptions | false;
  /** Largest accepted request body in bytes (default 1 MiB); larger answers 413. */
  bodyLimit?: number;
  /** Where `Idempotency-Key`s are kept; routes with `config.idempotency` need it. */
  idempotency?: IdempotencyOptions;
  openapi?: Omit<OpenApiOptions, 'service'>;
  /** Level of the one line logged per answered request (default info). */
  accessLog?: 'info' | 'debug' | false;
}

/**
 * A Fastify app with the conventions every service shares: correlation ids, bearer-token auth and
 * per-route permissions, zod request/response schemas, problem+json errors (a caller's mistake is
 * never a 500), OpenAPI at `/openapi.json` and `/docs`, Prometheus at `/metrics`, and
 * `Idempotency-Key` support. Closing it (`app.close()`) stops taking requests and drains the rest.
 */
export function createHttpApp(opts: HttpAppOptions): HttpApp {
  const app = Fastify({
    loggerInstance: opts.log,
    // One access line per request is logged below, with the correlation id.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: () => randomUUID(),
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Errors Fastify raises before any hook runs (a URL that cannot be decoded): problem+json too.
    frameworkErrors: (err, request, reply) => {
      const { problem, headers } = problemFor(err);
      void sendProblem(request, reply, problem, headers);
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: a body of any other type is a 415, not a string handed to a handler.
  app.removeContentTypeParser(['text/plain']);

  const root = app as unknown as FastifyInstance;
  registerRoutePolicy(root, {
    authEnabled: Boolean(opts.auth),
    idempotencyEnabled: Boolean(opts.idempotency),
  });
  registerCorrelation(root);
  registerServerTracing(root, opts.service);
  registerAuthentication(root, opts.auth ?? false);
  registerProblemHandlers(root, opts.log);
  if (opts.idempotency) registerIdempotency(root, opts.idempotency, opts.log);
  registerOpenApi(root, { service: opts.service, ...opts.openapi });
  registerServerMetrics(root, opts.service);

  registerDrain(root);

  const accessLog = opts.accessLog ?? 'info';
  if (accessLog !== false) {
    app.addHook('onResponse', (request, reply, done) => {
      runWithContext(request.workContext ?? { correlationId: request.id }, () =>
        opts.log[accessLog](
          {
            method: request.method,
            route: request.routeOptions.url,
            url: request.url,
            status: reply.statusCode,
            ms: Math.round(reply.elapsedTime * 10) / 10,
          },
          'request completed',
        ),
      );
      done();
    });
  }
  return app as unknown as HttpApp;
}
