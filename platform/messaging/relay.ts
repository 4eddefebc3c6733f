import { randomUUID } from 'node:crypto';
import type { Db } from '../data/db.js';
import { leaseEnd, leaseTerms } from '../data/lease.js';
import { backoffMs, type Backoff } from '../retry/backoff.js';
import { errorText, quietLog, type MessagingLog } from './log.js';
import { messagingMetrics } from './metrics.js';
import { endSpans, sendHeaders, startSendSpans } from './tracing.js';
import type { OutgoingMessage, Transport } from './transport.js';

export interface RelayOptions {
  service: string;
  db: Db;
  transport: Transport;
  log?: MessagingLog;
  /** Rows published per `transport.publish` call. */
  batchSize?: number;
  /** Fallback check for rows the wake-up did not announce (another process, a crash). */
  pollIntervalMs?: number;
  /** How long this instance stays the publisher without renewing; another takes over after. */
  leaseMs?: number;
  /** Back-off after a failed publish (broker down), doubling up to `maxMs`. */
  backoff?: Backoff;
}

/** One row, `relay`, held by the instance that publishes (renewed with each batch). */
const relayLease = leaseTerms({ table: 'outbox_relay_lease', key: 'name', owner: 'holder' });

interface OutboxRow {
  id: string | number;
  message_id: string;
  type: string;
  exchange: OutgoingMessage['exchange'];
  routing_key: string;
  body: string;
}

/**
 * Publishes a service's outbox in order of writing. One instance per database publishes at a time
 * (a lease row, renewed with each batch), so copies of a service never interleave. It is woken
 * on commit, and checks on a timer for rows it was not told about. Rows are marked sent only
 * after the transport confirmed them: a crash or a broker outage delays messages, never loses
 * them (a crash between confirm and mark republishes a batch; the consumers' inbox absorbs it).
 *
 * No database transaction is held while publishing: on PGlite the in-process transport shares
 * the single connection, and a transaction spanning the publish would wait on itself.
 */
export class OutboxRelay {
  private readonly holder = randomUUID();
  private readonly log: MessagingLog;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly backoff: Backoff;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private woken = false;
  private wakeSleeper: (() => void) | undefined;
  private lastGaugeAt = 0;
  /** Ids of the batch the broker confirmed last; the next statement marks them sent. */
  private confirmed: string[] = [];

  constructor(private readonly opts: RelayOptions) {
    this.log = opts.log ?? quietLog;
    this.batchSize = opts.batchSize ?? 500;
    this.pollIntervalMs = opts.pollIntervalMs ?? 1_000;
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.backoff = opts.backoff ?? { initialMs: 200, maxMs: 10_000 };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.woken = true;
    this.loopDone = this.loop();
  }

  /** Something was written to the outbox: publish it now rather than at the next timer. */
  wake(): void {
    this.woken = true;
    this.wakeSleeper?.();
  }

  /** Finishes the batch in flight, then gives up the lease so another instance takes over at once. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakeSleeper?.();
    await this.loopDone;
    await this.markConfirmed().catch((err: unknown) =>
      // They are published again by whoever relays next; the consumers' inbox absorbs the copies.
      this.log.warn({ err: errorText(err) }, 'could not mark the last batch sent'),
    );
    await this.opts.db
      .query(`DELETE FROM outbox_relay_lease WHERE ${relayLease.heldBy('$1')}`, [this.holder])
      .catch((err: unknown) => this.log.warn({ err: errorText(err) }, 'could not release the outbox lease'));
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (this.running) {
      const probe = !this.woken;
      this.woken = false;
      let more = false;
      try {
        more = await this.publishBatch(probe);
        failures = 0;
      } catch (err) {
        const delay = backoffMs(failures++, this.backoff);
        this.log.warn(
          { err: errorText(err), retryInMs: delay },
          'outbox relay could not publish; will retry',
        );
        // Wake-ups do not cut the back-off short: every commit would hammer a broker that is down.
        await this.sleep(delay, false);
        continue;
      }
      if (!more && !this.woken) await this.sleep(this.pollIntervalMs, true);
    }
  }

  /**
   * Publishes one batch; true when one went out (so more may be waiting). One statement per batch
   * on the busy path: it marks the previous batch sent (confirmed by the broker since), renews the
   * lease and reads the next rows. The previous batch's rows are excluded by id because the
   * statement's snapshot still shows them unsent.
   */
  private async publishBatch(probe: boolean): Promise<boolean> {
    const { db, transport, service } = this.opts;
    if (probe && this.confirmed.length === 0) {
      // Woken by the timer, not by a commit: a cheap look, so an idle relay neither writes its
      // lease nor reads whole rows.
      const found = await db.query(`SELECT 1 FROM outbox WHERE sent_at IS NULL LIMIT 1`);
      if (found.rows.length === 0) {
        this.setBacklog(0, 0);
        return false;
      }
    }
    await this.refreshBacklog();
    const { rows } = await db.query<OutboxRow>(
      `WITH marked AS (
         UPDATE outbox SET sent_at = now() WHERE id = ANY($4::bigint[]) AND sent_at IS NULL),
       lease AS (
         INSERT INTO outbox_relay_lease (name, holder, lease_until)
         VALUES ('relay', $1, ${leaseEnd('$2')})
         ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, lease_until = EXCLUDED.lease_until
          WHERE outbox_relay_lease.holder = EXCLUDED.holder OR ${relayLease.free('outbox_relay_lease')}
         RETURNING holder)
       SELECT id, message_id, type, exchange, routing_key, body FROM outbox
        WHERE sent_at IS NULL AND NOT (id = ANY($4::bigint[])) AND EXISTS (SELECT 1 FROM lease)
        ORDER BY id LIMIT $3`,
      [this.holder, this.leaseMs, this.batchSize, this.confirmed],
    );
    this.confirmed = [];
    if (rows.length === 0) return false;
    const spans = startSendSpans(service, rows);
    try {
      await transport.publish(
        rows.map((r, i) => ({
          exchange: r.exchange,
          routingKey: r.routing_key,
          messageId: r.message_id,
          body: r.body,
          ...sendHeaders(spans?.[i]),
        })),
      );
    } catch (error) {
      endSpans(spans, error);
      throw error;
    }
    endSpans(spans);
    this.confirmed = rows.map((r) => String(r.id));
    for (const r of rows) messagingMetrics.published.inc({ service, type: r.type });
    return true;
  }

  /** Marks what the broker confirmed but no later batch marked yet (on stop). */
  private async markConfirmed(): Promise<void> {
    if (this.confirmed.length === 0) return;
    await this.opts.db.query(
      `UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[]) AND sent_at IS NULL`,
      [this.confirmed],
    );
    this.confirmed = [];
  }

  private async refreshBacklog(): Promise<void> {
    if (Date.now() - this.lastGaugeAt < 1_000) return;
    this.lastGaugeAt = Date.now();
    const { rows } = await this.opts.db.query<{ n: number; age: number }>(
      `SELECT count(*)::int AS n, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS age
         FROM outbox WHERE sent_at IS NULL`,
    );
    this.setBacklog(Number(rows[0]?.n ?? 0), Number(rows[0]?.age ?? 0));
  }

  private setBacklog(rows: number, ageSeconds: number): void {
    messagingMetrics.outboxBacklog.set({ service: this.opts.service }, rows);
    messagingMetrics.outboxOldestAge.set({ service: this.opts.service }, ageSeconds);
  }

  private sleep(ms: number, wakeable: boolean): Promise<void> {
    // stop() may have come while a batch was in flight, when there was no sleep to cut short.
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wakeSleeper === wake) this.wakeSleeper = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      const wake = () => {
        if (wakeable || !this.running) done();
      };
      this.wakeSleeper = wake;
    });
  }
}
