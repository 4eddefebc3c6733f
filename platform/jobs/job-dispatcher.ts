import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Db } from '../data/db.js';

/** What the dispatcher drives: a worker that fetches and runs its queue's due jobs when kicked. */
export interface Kickable {
  kick(): void;
}

export interface DispatcherOptions {
  db: Db;
  schema: string;
  workers: ReadonlyMap<string, Kickable>;
  /** The longest it waits without being woken (jobs queued by another process or by pg-boss's cron). */
  fallbackPollMs: number;
  log?: Logger;
}

/**
 * The one loop per service that looks for due jobs, instead of every worker polling `fetch` on
 * its own (Sales has six). One statement reads, per queue, when its earliest waiting job is due
 * (pg-boss's index on `(name, start_after)` of waiting jobs answers it with one index entry per
 * queue); the workers of due queues are kicked, and the loop sleeps until the next job falls due,
 * the fallback poll, or a wake: every enqueue through this process wakes it at once (after the
 * commit, for an enqueue inside a transaction).
 */
export class JobDispatcher {
  private stopping = false;
  private idle = new AbortController();
  private woken = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: DispatcherOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Look again now: a job was queued, retried or triggered. */
  wake(): void {
    this.woken = true;
    this.idle.abort();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.idle.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { fallbackPollMs, workers, log } = this.opts;
    while (!this.stopping) {
      this.woken = false;
      let waitMs = fallbackPollMs;
      try {
        const queues = await this.dueQueues();
        for (const q of queues) {
          if (q.inMs <= 0) workers.get(q.name)?.kick();
          else waitMs = Math.min(waitMs, q.inMs);
        }
      } catch (err) {
        if (!this.stopping) log?.error({ err, schema: this.opts.schema }, 'could not look for due jobs');
      }
      if (this.woken || this.stopping) continue;
      // A fresh controller per wait: an abort (a wake) ends this wait only.
      this.idle = new AbortController();
      await sleep(Math.max(waitMs, 1), undefined, { signal: this.idle.signal }).catch(() => undefined);
    }
  }

  /** Per queue with waiting jobs: how long until its earliest is due (<= 0: due now). */
  private async dueQueues(): Promise<Array<{ name: string; inMs: number }>> {
    const { schema, workers, db } = this.opts;
    const { rows } = await db.query<{ name: string; in_ms: number | string }>(
      `SELECT q.name, ceil(extract(epoch FROM (n.next_at - now())) * 1000)::float8 AS in_ms
         FROM unnest($1::text[]) AS q(name)
         CROSS JOIN LATERAL (
           SELECT min(j.start_after) AS next_at FROM ${schema}.job j
            WHERE j.name = q.name AND j.state < 'active') n
        WHERE n.next_at IS NOT NULL`,
      [[...workers.keys()]],
    );
    return rows.map((r) => ({ name: r.name, inMs: Number(r.in_ms) }));
  }
}
