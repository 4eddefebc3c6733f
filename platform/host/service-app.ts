import { createHttpApp, registerHealth, type HttpApp } from '../http/app.js';
import { loadSecurityConfig, rateBudgets } from '../http/security-config.js';
import { commonKeysVerifier } from './common-keys.js';
import type { ServiceBuild } from './service-deps.js';

/**
 * Routes the composition root adds to every service from its parts (the operators' trace, dead
 * letters, jobs and sagas: `operations/`), registered before the service's own.
 */
export type OperatorRoutes = (app: HttpApp, service: ServiceBuild) => Promise<void>;

export interface ServiceAppOptions {
  /** The service's part of the AsyncAPI document, served at `/asyncapi.json`. */
  asyncapi?: ((service: string) => unknown) | undefined;
  operatorRoutes?: OperatorRoutes | undefined;
}

/**
 * The service's HTTP app: edge security, health with its database and broker, the operators'
 * routes it is given, then the service's own routes and its AsyncAPI document.
 */
export async function composeServiceApp(
  build: ServiceBuild,
  { asyncapi, operatorRoutes }: ServiceAppOptions,
): Promise<HttpApp> {
  const { def, deps, db, transport, runtime } = build;
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
  await operatorRoutes?.(app, build);
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
