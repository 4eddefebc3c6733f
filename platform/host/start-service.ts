import type { FastifyInstance } from 'fastify';
import type { Db } from '../data/db.js';
import { runMigrations } from '../data/migrate.js';
import type { ContractRegistry } from '../messaging/contract.js';
import type { ServiceTopology } from '../messaging/transport.js';
import { createLogger } from '../observability/logger.js';
import { startBackground } from './background.js';
import { serviceMigrationSources } from './migration-sources.js';
import { composeServiceApp, type OperatorRoutes } from './service-app.js';
import { serviceDeps, type LateParts } from './service-deps.js';
import type { Runtime } from './runtime.js';
import { portOf } from './runtime-config.js';
import type { ServiceDefinition } from './service-definition.js';

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
  /** The operators' routes every service gets (`operations/`, given by the composition root). */
  operatorRoutes?: OperatorRoutes;
}

/**
 * Brings one service up from its definition: database and migrations, the deps its code gets
 * (service-deps.ts), what runs in the background (background.ts: bus, sagas, jobs), the HTTP app
 * (service-app.ts), then listening. `stop()` undoes it in reverse: stop taking requests and
 * messages, finish what is in flight, close connections.
 */
export async function startService(def: ServiceDefinition, opts: StartOptions): Promise<RunningService> {
  const { runtime } = opts;
  const env = opts.env ?? { ...process.env };
  const log = createLogger(def.name, runtime.config.LOG_LEVEL, undefined, runtime.config.LOG_FORMAT);
  const startedAt = performance.now();
  const lap = (step: string) =>
    log.debug({ step, ms: Math.round(performance.now() - startedAt) }, 'start-up step');
  const needsDb = def.needs?.database ?? true;
  const needsBus = def.needs?.bus ?? needsDb;

  const db = needsDb ? await runtime.openDatabase(def.name) : null;
  if (db) await runMigrations(db, serviceMigrationSources(def), log);
  lap('database and migrations');
  const transport = needsBus ? await runtime.transport() : null;

  const parts: LateParts = { messaging: null, jobs: null, sagas: null };
  const stopHooks: Array<() => void | Promise<void>> = [];
  const deps = serviceDeps({ def, db, runtime, env, log, servicePorts: opts.servicePorts, parts, stopHooks });

  const build = { def, deps, db, transport, runtime, parts };
  if (db) await startBackground({ ...build, db }, opts);
  lap('jobs');
  if (opts.seed && def.seed) await def.seed(deps);
  lap('seed');
  const app = await composeServiceApp(build, opts);

  // Consume only once everything the handlers need is in place.
  const { messaging, jobs, sagas } = parts;
  if (messaging) await messaging.declare();
  const startMessaging = async () => {
    await messaging?.start();
  };
  if (!opts.deferMessaging) await startMessaging();
  const port = opts.port ?? portOf(def.name, def.port, env);
  await app.listen({ host: runtime.config.HOST, port });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${runtime.config.HOST}:${actualPort}`;
  env[`${def.name.toUpperCase()}_URL`] ??= url;
  // Instances a previous process left unfinished resume now (the sweep job repeats it every minute).
  sagas?.begin();
  log.info({ url, ms: Math.round(performance.now() - startedAt) }, 'service ready');

  return {
    name: def.name,
    url,
    port: actualPort,
    db,
    app,
    startMessaging,
    async stop() {
      await app.close();
      await sagas?.stop();
      await messaging?.stop();
      await jobs?.stop();
      for (const release of [...stopHooks].reverse()) await release();
      await deps.http.close();
      await db?.close();
    },
  };
}
