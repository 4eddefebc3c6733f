import type { ChannelModel } from 'amqplib';
import type { ServiceTopology } from '../transport.js';
import { declareExchanges, declareServiceTopology, type TopologySettings } from './topology.js';

/**
 * Every service topology accepted so far, redeclared on each new connection (a broker restart
 * may have lost non-durable state, and a queue deleted by hand comes back).
 */
export class DeclaredTopologies {
  private readonly topologies = new Map<string, ServiceTopology>();

  constructor(readonly settings: TopologySettings) {}

  /** Declares the exchanges and `only` (default: every remembered topology) on `conn`. */
  async declareOn(conn: ChannelModel, only?: ServiceTopology): Promise<void> {
    // A failed declaration closes its channel, so declarations get a channel of their own.
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    try {
      await declareExchanges(ch);
      for (const t of only ? [only] : this.topologies.values()) {
        await declareServiceTopology(ch, t, this.settings);
      }
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  /** Declares `topology` now and on every later connection. */
  async add(conn: ChannelModel, topology: ServiceTopology): Promise<void> {
    await this.declareOn(conn, topology);
    // Remembered only once accepted, so a bad topology does not break every later reconnect.
    this.topologies.set(topology.service, topology);
  }
}
