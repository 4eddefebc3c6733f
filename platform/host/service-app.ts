import { jobOpsRoutes } from '../jobs/ops-routes.js';
import { deadLetterRoutes } from '../messaging/dead-letter-routes.js';
import { createHttpApp, registerHealth, type HttpApp } from '../http/app.js';
import { loadSecurityConfig, rateBudgets } from '../http/security-config.js';
import { traceRoute } from '../observability/trace-route.js';
import { sagaRoutes } from '../sagas/routes.js';
import { commonKeysVerifier } from './common-keys.js';
import type { ServiceBuild } from './service-deps.js';

/**
 * The service's HTTP app: edge security, health with its database and broker, and what every
 * service with a database has (its trace; its dead letters, jobs and sagas for operators), then
 * the service's own routes and its AsyncAPI document.
 */
export async function composeServiceApp(
  { def, deps, db, transport, runtime, parts }: ServiceBuild,
  /** The service's part of the AsyncAPI document, served at `/asyncapi.json`. */
  asyncapi: ((service: string) => unknown) | undefined,
): Promise<HttpApp> {
  const security = loadSecurityConfig(deps.env);
  const app = createHttpApp({
    service: def.name,
    log: deps.log,
    auth: { verifier: commonKeysVerifier(deps, runtime.config.AUTH_JWKS_URL) },
    ...(db ? { idempotency: { db } } : {}),
    trustedProxies: security.TRUSTED_PROXIES ?? (runtime.mode === 'embedded' ? ['loopback'] : []),
    security: {
      corsOrigins: security.CORS_ORIGINS,
      connectSources: security.CSP_CONNECT_SOURCES,
      rateLimits: security.RATE_LIMIT_ENABLED && rateBudgets(security),
    },
  });
  registerHealth(app, {
    ready: async () => ({
      ...(db ? { database: await db.ping() } : {}),
      ...(transport ? { broker: transport.isConnected() } : {}),
      ...(def.ready ? { service: await def.ready() } : {}),
    }),
  });
  if (db) traceRoute(app, { service: def.name, db });
  if (parts.messaging) await app.register(deadLetterRoutes, { store: parts.messaging.deadLetters });
  if (parts.jobs) await app.register(jobOpsRoutes, { ops: parts.jobs.ops });
  if (db && parts.sagas) await app.register(sagaRoutes, { db });
  if (def.routes) await def.routes(app, deps);
  if (asyncapi) {
    let document: unknown;
    app.get('/asyncapi.json', { config: { public: true }, schema: { hide: true } }, async () => {
      document ??= asyncapi(def.name);
      return document;
    });
  }
  return app;
}
