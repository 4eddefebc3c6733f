import type { Logger } from 'pino';
import type { Db } from '../data/db.js';
import type { Bus, MessageHandler } from '../messaging/bus.js';
import type { JobDefinition, Jobs } from '../jobs/jobs.js';
import type { Migration } from '../data/migrations.js';
import type { HttpApp } from '../http/app.js';
import type { HttpClient, TargetOptions } from '../http/client.js';
import type { UserFeed } from '../messaging/user-feed.js';
import type { Sagas } from '../sagas/engine.js';
import type { AnySagaDefinition } from '../sagas/saga.js';

/**
 * Everything a service's code gets from the host. A service depends on these and on
 * `contracts/` only.
 */
export interface ServiceDeps {
  service: string;
  db: Db;
  bus: Bus;
  jobs: Jobs;
  /** Starts and watches the service's sagas (declared by `sagas`). */
  sagas: Sagas;
  log: Logger;
  /** Environment the host was started with (services validate their own variables with loadConfig). */
  env: Record<string, string | undefined>;
  /**
   * Token issuer and audience every service checks (Common signs with these), and a service's
   * client secret by its name (Common checks every service's; see service-credentials.ts).
   */
  auth: { issuer: string; audience: string; clientSecretOf(service: string): string };
  /** The resilient client for calls to other services (and external ones, per `httpTargets`). */
  http: HttpClient;
  /** Base URL of another service or external dependency, by name (from `<NAME>_URL`). */
  urlOf(target: string): string;
  /**
   * Releases something the service opened (a mail transport, a pool) when the host stops it:
   * after requests, messages and jobs have stopped, before the database closes; last registered
   * runs first.
   */
  onStop(release: () => void | Promise<void>): void;
}

/** A service, described in one small object; the host does the rest. */
export interface ServiceDefinition {
  name: string;
  /** Default HTTP port (overridable by `<NAME>_PORT` or, in single-service mode, `PORT`). */
  port: number;
  /** What the service needs from the host: the gateway simulator needs neither. */
  needs?: { database?: boolean; bus?: boolean };
  migrations?: Migration[];
  /**
   * The service keeps a replica of users (who may approve, whom to mail): the host creates
   * `user_replica` (one platform migration) and registers its handler, `<service>.users.<fact>`.
   */
  users?: UserFeed;
  /**
   * Per-target overrides for `deps.http`: an external provider takes no service token and may
   * want its own breaker numbers. Other services' targets need none.
   */
  httpTargets?:
    | Record<string, TargetOptions>
    | ((env: Record<string, string | undefined>) => Record<string, TargetOptions>);
  routes?(app: HttpApp, deps: ServiceDeps): void | Promise<void>;
  handlers?(deps: ServiceDeps): MessageHandler[];
  jobs?(deps: ServiceDeps): JobDefinition[];
  /**
   * Saga types: the host persists and runs their instances (platform/sagas), resumes them after a
   * crash, and serves `/api/ops/sagas` and their metrics.
   */
  sagas?(deps: ServiceDeps): AnySagaDefinition[];
  /** Demo data for a first start (idempotent). */
  seed?(deps: ServiceDeps): Promise<void>;
  /** Extra readiness checks beyond database and broker. */
  ready?(): Promise<boolean>;
}
