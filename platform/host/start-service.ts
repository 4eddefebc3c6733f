import type { FastifyInstance } from 'fastify';
import type { Db } from '../data/db.js';
import { runMigrations } from '../data/migrate.js';
import { startJobs, type RunningJobs } from '../jobs/pgboss.js';
import { jobOpsRoutes } from '../jobs/ops-routes.js';
import type { Bus } from '../messaging/bus.js';
import type { ContractRegistry } from '../messaging/contract.js';
import type { ServiceTopology } from '../messaging/transport.js';
import { createMessaging, type Messaging } from '../messaging/messaging.js';
import { deadLetterRoutes } from '../messaging/dead-letter-routes.js';
import { createHttpApp, registerHealth } from '../http/app.js';
import { purgeIdempotencyKeys } from '../http/idempotency-keys.js';
import { loadSecurityConfig, rateBudgets } from '../http/security-config.js';
import { createTokenVerifier, type TokenVerifier } from '../auth/verifier.js';
import { createLogger } from '../observability/logger.js';
import { traceRoute } from '../observability/trace-route.js';
import { SagaEngine } from '../sagas/engine.js';
import { sagaRoutes } from '../sagas/routes.js';
import { serviceMigrationSources } from './migration-sources.js';
import { createServiceHttpClient } from './service-client.js';
import { clientSecretOf } from './service-credentials.js';
import type { Runtime } from './runtime.js';
import { portOf, urlOf } from './runtime-config.js';
import type { ServiceDefinition, ServiceDeps } from './service-definition.js';
import { serviceHandlers } from './user-replica.js';

export interface RunningService {
  name: string;
  url: string;
  port: number;
  db: Db | null;
  app: FastifyInstance;
  /** Starts the outbox relay and the consumers (at once unless `deferMessaging`). */
  startMessaging(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  runtime: Runtime;
  contracts: ContractRegistry;
  /** What every service receives: see `MessagingOptions.subscriptions`. */
  subscriptions?: readonly ServiceTopology[];
  /** Overrides `<NAME>_PORT`; 0 picks a free port (tests). */
  port?: number;
  /** Default ports of the other services, to find them when `<NAME>_URL` is not set. */
  servicePorts: Readonly<Record<string, number>>;
  /**
   * Declare the service's queues but wait for `startMessaging()` to relay and consume: a process
   * that starts several services declares every queue before any of them publishes, so no event
   * of a first start (the demo seed's) is dropped for want of a bound queue.
   */
  deferMessaging?: boolean;
  /** Run the service's demo seed after migrations. */
  seed?: boolean;
  env?: Record<string, string | undefined>;
  /** The service's part of the AsyncAPI document, served at `/asyncapi.json`. */
  asyncapi?: (service: string) => unknown;
}

/**
 * Brings one service up from its definition: database and migrations, bus (outbox relay and
 * consumers) with the user replica when it keeps users, jobs, HTTP with health, metrics, OpenAPI,
 * the trace route and dead-letter operations. `stop()` undoes
 * it in reverse: stop taking requests and messages, finish what is in flight, close connections.
 */
export async function startService(def: ServiceDefinition, opts: StartOptions): Promise<RunningService> {
  const { runtime } = opts;
  const env = opts.env ?? { ...process.env };
  const log = createLogger(def.name, runtime.config.LOG_LEVEL, undefined, runtime.config.LOG_FORMAT);
  const security = loadSecurityConfig(env);
  const startedAt = performance.now();
  const lap = (step: string) =>
    log.debug({ step, ms: Math.round(performance.now() - startedAt) }, 'start-up step');
  const needsDb = def.needs?.database ?? true;
  const needsBus = def.needs?.bus ?? needsDb;

  const db = needsDb ? await runtime.openDatabase(def.name) : null;
  if (db) {
    await runMigrations(db, serviceMigrationSources(def), log);
  }
  lap('database and migrations');
  const transport = needsBus ? await runtime.transport() : null;

  let messaging: Messaging | null = null;
  let jobs: RunningJobs | null = null;
  let sagaEngine: SagaEngine | null = null;
  const bus: Bus = {
    publish: (tx, contract, payload, o) => required(messaging, 'bus').bus.publish(tx, contract, payload, o),
    send: (tx, contract, payload, o) => required(messaging, 'bus').bus.send(tx, contract, payload, o),
  };
  const stopHooks: Array<() => void | Promise<void>> = [];
  const urlOfTarget = (target: string) => urlOf(target, opts.servicePorts[target] ?? 0, env);
  const http = createServiceHttpClient({
    service: def.name,
    config: runtime.config,
    clientSecret: clientSecretOf(def.name, env),
    urlOf: urlOfTarget,
    log,
    targets: typeof def.httpTargets === 'function' ? def.httpTargets(env) : def.httpTargets,
  });
  const deps: ServiceDeps = {
    service: def.name,
    db: db ?? (missing('database') as Db),
    bus,
    jobs: {
      enqueue: (name, data, o) => required(jobs, 'jobs').enqueue(name, data, o),
      enqueueMany: (name, list, o) => required(jobs, 'jobs').enqueueMany(name, list, o),
      schedule: (job, o) => required(jobs, 'jobs').schedule(job, o),
      unschedule: (name) => required(jobs, 'jobs').unschedule(name),
      retire: (name) => required(jobs, 'jobs').retire(name),
      cancel: (id) => required(jobs, 'jobs').cancel(id),
      failed: (name) => required(jobs, 'jobs').failed(name),
    },
    sagas: {
      start: (tx, type, init) => required(sagaEngine, 'sagas').start(tx, type, init),
      watch: (id, until, ms) => required(sagaEngine, 'sagas').watch(id, until, ms),
    },
    log,
    env,
    auth: {
      issuer: runtime.config.AUTH_ISSUER,
      audience: runtime.config.AUTH_AUDIENCE,
      clientSecretOf: (service) => clientSecretOf(service, env),
    },
    http,
    urlOf: urlOfTarget,
    onStop(release) {
      stopHooks.push(release);
    },
  };

  if (db && transport) {
    messaging = createMessaging({
      service: def.name,
      db,
      transport,
      registry: opts.contracts,
      handlers: serviceHandlers(def, deps),
      subscriptions: opts.subscriptions,
      retryDelaysMs: runtime.config.BUS_RETRY_DELAYS_MS,
      prefetch: runtime.config.BUS_PREFETCH,
      concurrency: runtime.config.BUS_CONCURRENCY,
      batchSize: runtime.config.BUS_BATCH_SIZE,
      deliveryLimit: runtime.config.BUS_DELIVERY_LIMIT,
      outboxRetentionMs: runtime.config.OUTBOX_RETENTION_MS,
      relay: { leaseMs: runtime.config.OUTBOX_LEASE_MS },
      log,
    });
  }
  const sagaDefinitions = def.sagas?.(deps) ?? [];
  if (db && sagaDefinitions.length > 0) {
    sagaEngine = new SagaEngine({
      service: def.name,
      db,
      jobs: deps.jobs,
      log,
      definitions: sagaDefinitions,
      leaseMs: runtime.config.SAGA_LEASE_MS,
    });
  }
  const jobDefinitions = [...(def.jobs?.(deps) ?? []), ...(sagaEngine?.jobDefinitions() ?? [])];
  if (db && jobDefinitions.length > 0) {
    jobs = await startJobs({
      db,
      service: def.name,
      definitions: jobDefinitions,
      log,
      defaultRetryDelaysSeconds: runtime.config.JOB_RETRY_DELAYS_MS.map((ms) => ms / 1000),
    });
  }
  lap('jobs');
  if (opts.seed && def.seed) await def.seed(deps);
  lap('seed');

  // Resolved on first use: Common's own URL is known only once it listens (free ports in tests).
  let verifier: TokenVerifier | undefined;
  const lazyVerifier: TokenVerifier = {
    verify(token) {
      verifier ??= createTokenVerifier({
        issuer: runtime.config.AUTH_ISSUER,
        audience: runtime.config.AUTH_AUDIENCE,
        keys: { jwksUrl: runtime.config.AUTH_JWKS_URL ?? `${deps.urlOf('common')}/.well-known/jwks.json` },
      });
      return verifier.verify(token);
    },
  };
  const app = createHttpApp({
    service: def.name,
    log,
    auth: { verifier: lazyVerifier },
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
  // What every service with a database has: its trace and, with a bus, its dead letters.
  if (db) traceRoute(app, { service: def.name, db });
  if (messaging) await app.register(deadLetterRoutes, { store: messaging.deadLetters });
  if (jobs) await app.register(jobOpsRoutes, { ops: jobs.ops });
  if (db && sagaEngine) {
    await app.register(sagaRoutes, { db });
  }
  if (def.routes) await def.routes(app, deps);
  const { asyncapi } = opts;
  if (asyncapi) {
    let document: unknown;
    app.get('/asyncapi.json', { config: { public: true }, schema: { hide: true } }, async () => {
      document ??= asyncapi(def.name);
      return document;
    });
  }

  // Consume only once everything the handlers need is in place.
  if (messaging) await messaging.declare();
  // Idempotency keys answer retries for a day; older ones only take space.
  const purge = db
    ? setInterval(
        () => void purgeIdempotencyKeys(db).catch((err: unknown) => log.warn({ err }, 'purge failed')),
        3_600_000,
      )
    : undefined;
  purge?.unref();
  const startMessaging = async () => {
    await messaging?.start();
  };
  if (!opts.deferMessaging) await startMessaging();
  const port = opts.port ?? portOf(def.name, def.port, env);
  await app.listen({ host: runtime.config.HOST, port });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${runtime.config.HOST}:${actualPort}`;
  const selfUrlKey = `${def.name.toUpperCase()}_URL`;
  env[selfUrlKey] ??= url;
  // Instances a previous process left unfinished resume now (the sweep job repeats it every minute).
  sagaEngine?.begin();
  log.info({ url, ms: Math.round(performance.now() - startedAt) }, 'service ready');

  return {
    name: def.name,
    url,
    port: actualPort,
    db,
    app,
    startMessaging,
    async stop() {
      clearInterval(purge);
      await app.close();
      await sagaEngine?.stop();
      await messaging?.stop();
      await jobs?.stop();
      for (const release of [...stopHooks].reverse()) await release();
      await http.close();
      await db?.close();
    },
  };
}

function required<T>(value: T | null, what: string): T {
  if (value === null) throw new Error(`${what} is not available in this service (or not started yet)`);
  return value;
}

function missing(what: string): unknown {
  return new Proxy(
    {},
    {
      get() {
        throw new Error(`this service declared it needs no ${what}`);
      },
    },
  );
}
