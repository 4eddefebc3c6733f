import { randomUUID } from 'node:crypto';
import type { Db } from '#platform/data/db.js';
import type { Logger } from 'pino';
import { claimRun, renewRun, type RunRow } from './store.js';

/** The run was taken over by another worker (this one's lease lapsed): it stops without a word. */
export class LeaseLost extends Error {
  constructor() {
    super('the run was taken over by another worker');
  }
}

/**
 * One worker's hold on a run, renewed in the background a third of the way through its length
 * (not only with each page: a page may wait minutes for Community), so only a dead worker's run
 * is resumed by another. `signal` aborts when the hold is lost.
 */
export class RunLease {
  /** This execution, as the holder (one per execution, so two in one process never share a hold). */
  readonly owner = randomUUID();
  private readonly lost = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly db: Db,
    private readonly runId: string,
    readonly ms: number,
    private readonly log: Logger,
  ) {}

  /** The run and its lease, or null when it is finished or another worker holds it. */
  static async claim(
    db: Db,
    runId: string,
    ms: number,
    log: Logger,
  ): Promise<{ run: RunRow; lease: RunLease } | null> {
    const lease = new RunLease(db, runId, ms, log);
    const run = await claimRun(db, runId, lease.owner, ms);
    if (!run) return null;
    lease.timer = setInterval(() => void lease.renew(), Math.max(100, Math.floor(ms / 3)));
    lease.timer.unref(); // a process stopping mid-run is not held up by it: the lease then lapses
    return { run, lease };
  }

  get signal(): AbortSignal {
    return this.lost.signal;
  }

  /** Throws LeaseLost once another worker holds the run. */
  check(): void {
    if (this.lost.signal.aborted) throw new LeaseLost();
  }

  markLost(): void {
    this.stop();
    if (!this.lost.signal.aborted) this.lost.abort(new LeaseLost());
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async renew(): Promise<void> {
    try {
      if (!(await renewRun(this.db, this.runId, this.owner, this.ms))) this.markLost();
    } catch (err) {
      // A missed renewal is not a lost lease: the next one (or the next page) renews it.
      this.log.warn({ err, runId: this.runId }, 'could not renew the invoice run lease');
    }
  }
}
