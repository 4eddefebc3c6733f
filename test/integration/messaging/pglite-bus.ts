import { randomBytes } from 'node:crypto';
import type { Db } from '../../../platform/data/db.js';
import { openEmbedded, type EmbeddedDatabase } from '../../../platform/data/pglite.js';
import {
  createInProcessTransport,
  type InProcessTransportOptions,
} from '../../../platform/messaging/inprocess/transport.js';
import type { Transport } from '../../../platform/messaging/transport.js';

/**
 * One in-memory PGlite per test file (it costs ~0.5 GB and seconds to boot), shared the way the
 * embedded mode shares it: a schema per service, and the in-process bus in a schema of its own.
 */
export interface EmbeddedBus {
  embedded: EmbeddedDatabase;
  busDb: Db;
  transport(overrides?: Partial<InProcessTransportOptions>): Promise<Transport>;
  db(service: string): Promise<Db>;
  close(): Promise<void>;
}

export async function openEmbeddedBus(defaults: Omit<InProcessTransportOptions, 'db'>): Promise<EmbeddedBus> {
  const embedded = await openEmbedded({ dataDir: 'memory://' });
  // A fresh bus schema per environment, so files or suites sharing an instance stay apart.
  const busDb = await embedded.forService(`bus_${randomBytes(3).toString('hex')}`);
  const transports: Transport[] = [];
  return {
    embedded,
    busDb,
    async transport(overrides = {}) {
      const t = await createInProcessTransport({ db: busDb, ...defaults, ...overrides });
      transports.push(t);
      return t;
    },
    db: (service) => embedded.forService(service),
    async close() {
      await Promise.all(transports.map((t) => t.close()));
      await embedded.close();
    },
  };
}
