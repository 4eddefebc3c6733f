import type { Logger } from 'pino';
import type { Db } from '../data/db.js';
import { sagaMetrics } from './metrics.js';
import { SAGA_STATUSES } from './saga.js';
import { countByStatus } from './queries.js';

/** The `dhanman_saga_instances` gauge of one service: its instances by type and status. */
export class InstanceGauge {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: { service: string; db: Db; log: Logger; types: readonly string[] }) {}

  /** The gauge is recounted at most once a second, after a change of status. */
  schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, 1_000);
    this.timer.unref();
  }

  async refresh(): Promise<void> {
    const { service } = this.opts;
    try {
      const counts = await countByStatus(this.opts.db);
      for (const type of this.opts.types) {
        for (const status of SAGA_STATUSES) {
          const n = counts.find((c) => c.type === type && c.status === status)?.n ?? 0;
          sagaMetrics.instances.set({ service, type, status }, n);
        }
      }
    } catch (err) {
      this.opts.log.warn({ err }, 'could not count saga instances');
    }
  }

  /** No recount is scheduled any more (one already running finishes). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
