import type { Db } from '#platform/data/db.js';
import { openEmbedded } from '#platform/data/pglite.js';
import {
  createInProcessTransport,
  type InProcessTransportOptions,
} from '#platform/messaging/inprocess/transport.js';
import { DEFAULT_RETRY_DELAYS_MS, type Transport } from '#platform/messaging/transport.js';
import { serviceDatabases } from '../../harness/service-databases.js';
import { uniqueName } from '../../harness/unique-name.js';
import type { ConformanceEnvironment } from './conformance-kit.js';

/** Databases for services and for the in-process bus, and transports over the latter. */
export interface TestBus {
  busDb: Db;
  transport(overrides?: Partial<InProcessTransportOptions>): Promise<Transport>;
  /** The service's database; asking twice gives two handles on the same one (a restart). */
  db(service: string): Promise<Db>;
  /**
   * The bus as a conformance environment: its transports, databases and retry ladder. Its cleanup
   * closes the bus unless `keepOpen` (the caller closes it itself).
   */
  environment(deliveryLimit: number, opts?: { keepOpen?: boolean }): ConformanceEnvironment;
  close(): Promise<void>;
}

type Defaults = Omit<InProcessTransportOptions, 'db'>;

function withTransports(busDb: Db, defaults: Defaults, closeAll: () => Promise<void>, db: TestBus['db']) {
  const transports: Transport[] = [];
  const bus: TestBus = {
    busDb,
    async transport(overrides = {}) {
      const t = await createInProcessTransport({ db: busDb, ...defaults, ...overrides });
      transports.push(t);
      return t;
    },
    db,
    environment: (deliveryLimit, opts = {}) => ({
      transport: () => bus.transport(),
      db: (service) => bus.db(service),
      retryDelaysMs: defaults.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
      deliveryLimit,
      cleanup: () => (opts.keepOpen ? Promise.resolve() : bus.close()),
    }),
    async close() {
      await Promise.all(transports.map((t) => t.close()));
      await closeAll();
    },
  };
  return bus;
}

/**
 * The embedded mode's arrangement: one in-memory PGlite (it costs ~0.5 GB and seconds to boot, so
 * one per test file), a schema per service, and the in-process bus in a schema of its own.
 */
export async function openEmbeddedBus(defaults: Defaults): Promise<TestBus> {
  const embedded = await openEmbedded({ dataDir: 'memory://' });
  const busDb = await embedded.forService(uniqueName('bus'));
  return withTransports(
    busDb,
    defaults,
    () => embedded.close(),
    (service) => embedded.forService(service),
  );
}

/** The in-process bus with its queues, and the services, on the run's PostgreSQL server. */
export async function openPostgresBus(defaults: Defaults): Promise<TestBus> {
  // A database per service under a prefix of this bus's own, so tests sharing the server never meet.
  const databases = serviceDatabases({ databasePrefix: uniqueName('msg'), poolSize: 4 });
  const busDb = await databases.open('bus');
  return withTransports(
    busDb,
    defaults,
    () => databases.close(),
    (service) => databases.open(service),
  );
}
