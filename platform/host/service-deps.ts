import type { Db } from '../data/db.js';
import type { RunningJobs } from '../jobs/pgboss.js';
import type { Messaging } from '../messaging/messaging.js';
import type { Transport } from '../messaging/transport.js';
import type { SagaEngine } from '../sagas/engine.js';
import type { Runtime } from './runtime.js';
import { urlOf } from './runtime-config.js';
import { createServiceHttpClient } from './service-client.js';
import { clientSecretOf } from './service-credentials.js';
import type { ServiceDefinition, ServiceDeps } from './service-definition.js';

/**
 * The parts a service's code reaches through its deps but the host builds after handing them out
 * (handlers and jobs are declared from the deps): filled in as they come up.
 */
export interface LateParts {
  messaging: Messaging | null;
  jobs: RunningJobs | null;
  sagas: SagaEngine | null;
}

/** One service as the host builds it, handed to the modules that build the rest. */
export interface ServiceBuild {
  def: ServiceDefinition;
  deps: ServiceDeps;
  db: Db | null;
  transport: Transport | null;
  runtime: Runtime;
  parts: LateParts;
}

type DepsInputs = Pick<ServiceBuild, 'def' | 'db' | 'runtime' | 'parts'> &
  Pick<ServiceDeps, 'env' | 'log'> & {
    /** Default ports of the other services, to find them when `<NAME>_URL` is not set. */
    servicePorts: Readonly<Record<string, number>>;
    stopHooks: Array<() => void | Promise<void>>;
  };

/** What the host hands a service: its database, bus, jobs, sagas, clients and configuration. */
export function serviceDeps(i: DepsInputs): ServiceDeps {
  const { def, parts, runtime, env } = i;
  const urlOfTarget = (target: string) => urlOf(target, i.servicePorts[target] ?? 0, env);
  const jobs = () => required(parts.jobs, 'jobs');
  const bus = () => required(parts.messaging, 'bus').bus;
  const sagas = () => required(parts.sagas, 'sagas');
  return {
    service: def.name,
    db: i.db ?? (missing('database') as Db),
    bus: {
      publish: (tx, contract, payload, o) => bus().publish(tx, contract, payload, o),
      send: (tx, contract, payload, o) => bus().send(tx, contract, payload, o),
    },
    jobs: {
      enqueue: (name, data, o) => jobs().enqueue(name, data, o),
      enqueueMany: (name, list, o) => jobs().enqueueMany(name, list, o),
      schedule: (job, o) => jobs().schedule(job, o),
      unschedule: (name) => jobs().unschedule(name),
      retire: (name) => jobs().retire(name),
      cancel: (id) => jobs().cancel(id),
    },
    sagas: {
      start: (tx, type, init) => sagas().start(tx, type, init),
      watch: (id, until, ms) => sagas().watch(id, until, ms),
    },
    log: i.log,
    env,
    auth: {
      issuer: runtime.config.AUTH_ISSUER,
      audience: runtime.config.AUTH_AUDIENCE,
      clientSecretOf: (service) => clientSecretOf(service, env),
    },
    http: createServiceHttpClient({
      service: def.name,
      config: runtime.config,
      clientSecret: clientSecretOf(def.name, env),
      urlOf: urlOfTarget,
      log: i.log,
      targets: typeof def.httpTargets === 'function' ? def.httpTargets(env) : def.httpTargets,
    }),
    urlOf: urlOfTarget,
    onStop(release) {
      i.stopHooks.push(release);
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
