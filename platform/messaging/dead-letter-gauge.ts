import type { Db } from '../data/db.js';
import { queueNames } from './envelope.js';
import { errorText, type MessagingLog } from './log.js';
import { messagingMetrics } from './metrics.js';
import type { Transport } from './transport.js';

/**
 * The DLQ depth gauge: open dead letters (archived, not yet settled) plus any still waiting in the
 * queue. Refreshed a moment after a change, once for a burst of changes.
 */
export class DeadLetterGauge {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: { service: string; db: Db; transport: Transport; log: MessagingLog }) {}

  async depth(): Promise<{ open: number; queued: number }> {
    const { rows } = await this.opts.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM dead_letter WHERE status = 'open'`,
    );
    const queued = await this.opts.transport.depth(queueNames(this.opts.service).dlq).catch(() => 0);
    return { open: Number(rows[0]?.n ?? 0), queued };
  }

  async refresh(): Promise<void> {
    const { open, queued } = await this.depth();
    messagingMetrics.dlqDepth.set({ service: this.opts.service }, open + queued);
  }

  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh().catch((err: unknown) =>
        this.opts.log.debug({ err: errorText(err) }, 'could not refresh the DLQ depth'),
      );
    }, 250);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
