import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { accessLogPlugin } from './access-log.js';
import { clientAddressPlugin } from './client-address.js';
import { authenticationPlugin, type AuthOptions } from './authentication.js';
import { correlationPlugin } from './correlation.js';
import { corsPlugin } from './cors.js';
import { drainPlugin } from './drain.js';
import { problemFor, problemHandlersPlugin, sendProblem } from './error-handler.js';
import { idempotencyPlugin, type IdempotencyOptions } from './idempotency.js';
import { serverMetricsPlugin } from './metrics.js';
import { installOpenApiCollector, openApiPlugin, type OpenApiOptions } from './openapi.js';
import { rateLimitPlugin } from './rate-limit.js';
import { installRouteCatalog, routePolicyPlugin } from './route-policy.js';
import type { RateBudget, RateClass } from './security-config.js';
import { securityHeadersPlugin } from './security-headers.js';
import { serverTracingPlugin } from './tracing.js';
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
  /** Edge protection (docs/adr/0019): CORS origins, CSP connect sources, per-class rate limits (off unless given). */
  security?: {
    corsOrigins?: readonly string[];
    connectSources?: readonly string[];
    rateLimits?: Record<RateClass, RateBudget> | false;
  };
  /**
   * Peers whose `X-Forwarded-For` is believed (addresses, CIDRs, `loopback`...): the client
   * address is then the first one no trusted proxy added. Empty or absent: the socket's peer.
   */
  trustedProxies?: readonly string[];
  /** Level of the one line logged per answered request (default info). */
  accessLog?: 'info' | 'debug' | false;
}

/**
 * A Fastify app with the conventions every service shares: correlation ids, bearer-token auth and
 * per-route permissions, zod request/response schemas, problem+json errors (a caller's mistake is
 * never a 500), OpenAPI at `/openapi.json` and `/docs`, Prometheus at `/metrics`,
 * `Idempotency-Key` support, security headers, CORS and (when given) per-caller rate limits.
 * Closing it (`app.close()`) stops taking requests and drains the rest.
 */
export function createHttpApp(opts: HttpAppOptions): HttpApp {
  const app = Fastify({
    loggerInstance: opts.log,
    // One access line per request is logged below, with the correlation id.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: () => randomUUID(),
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    return503OnClosing: true,
    ...(opts.trustedProxies && opts.trustedProxies.length > 0
      ? { trustProxy: [...opts.trustedProxies] }
      : {}),
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
  // What must see every route is installed now: services declare their routes as soon as this
  // returns, before registered plugins load (`onRoute` hooks miss routes declared before them).
  installRouteCatalog(root);
  installOpenApiCollector(root, { service: opts.service, ...opts.openapi });

  // The rest are plugins that name what they need; Fastify loads them in this order when the app
  // gets ready and refuses to start if one comes before a plugin it depends on. Their hooks apply
  // to every route, including those declared before they loaded.
  void root.register(routePolicyPlugin, {
    authEnabled: Boolean(opts.auth),
    idempotencyEnabled: Boolean(opts.idempotency),
  });
  void root.register(correlationPlugin);
  // Before the rate limit and sign-in read the client address.
  if (opts.trustedProxies && opts.trustedProxies.length > 0) void root.register(clientAddressPlugin);
  const security = opts.security ?? {};
  void root.register(securityHeadersPlugin, { connectSources: security.connectSources ?? [] });
  if (security.rateLimits)
    void root.register(rateLimitPlugin, { service: opts.service, budgets: security.rateLimits });
  void root.register(serverTracingPlugin, { service: opts.service });
  void root.register(authenticationPlugin, { auth: opts.auth ?? false });
  void root.register(problemHandlersPlugin, { log: opts.log });
  // After the problem handlers: a route takes the error handler of the moment it is added, and
  // CORS adds its preflight route (`OPTIONS *`), whose errors must be problem+json too.
  void root.register(corsPlugin, {
    origins: security.corsOrigins ?? ['http://localhost:8080', 'http://127.0.0.1:8080'],
  });
  if (opts.idempotency) void root.register(idempotencyPlugin, { ...opts.idempotency, log: opts.log });
  void root.register(openApiPlugin);
  void root.register(serverMetricsPlugin, { service: opts.service });
  void root.register(drainPlugin);
  const accessLog = opts.accessLog ?? 'info';
  if (accessLog !== false) void root.register(accessLogPlugin, { log: opts.log, level: accessLog });
  return app as unknown as HttpApp;
}
