import { createHash } from 'node:crypto';
import type { Db } from '../data/db.js';
import {
  deadLetterWhere,
  jsonSafe,
  textSafe,
  type DeadLetterFilter,
  type DeadLetterStatus,
} from './dead-letter-query.js';
import { queueNames } from './envelope.js';
import { DEAD_LETTER_HEADERS, readDeadLetterHeaders, replayHeaders } from './headers.js';
import { errorText, quietLog, type MessagingLog } from './log.js';
import { messagingMetrics } from './metrics.js';
import type { Transport } from './transport.js';

export interface DeadLetterSummary {
  id: string;
  messageId: string | null;
  type: string | null;
  originalQueue: string;
  category: string;
  reason: string;
  attempts: number;
  status: DeadLetterStatus;
  deadLetteredAt: string;
  replayedAt: string | null;
  discardedAt: string | null;
}

export interface DeadLetter extends DeadLetterSummary {
  error: string | null;
  stack: string | null;
  /** The message exactly as it arrived (it may not be JSON). */
  body: string;
  headers: Record<string, unknown>;
  archivedAt: string;
}

export interface DeadLetterPage {
  items: DeadLetterSummary[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export type DeadLetterAction =
  | { outcome: 'done'; deadLetter: DeadLetter }
  | { outcome: 'not-found' }
  | { outcome: 'not-open'; deadLetter: DeadLetter }
  /** Its original queue is unknown (a message that reached the DLQ without our headers). */
  | { outcome: 'not-replayable'; deadLetter: DeadLetter };

export const UNKNOWN_QUEUE = '(unknown)';
const SUMMARY = `id::text AS id, message_id, type, original_queue, category, reason, attempts, status,
  dead_lettered_at, replayed_at, discarded_at`;
const FULL = `${SUMMARY}, error, stack, body, headers, archived_at`;

/**
 * A service's dead letters, archived from `<service>.dlq` into its own database so operators can
 * list, filter, inspect, replay (back to the original queue with a fresh attempt count) and
 * discard them. Replay sends first and marks after: a crash between the two replays again later,
 * which the inbox makes harmless; marking first could lose the message.
 */
export class DeadLetterStore {
  private readonly log: MessagingLog;
  private depthTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: { service: string; db: Db; transport: Transport; log?: MessagingLog }) {
    this.log = opts.log ?? quietLog;
  }

  get service(): string {
    return this.opts.service;
  }

  async list(filter: DeadLetterFilter & { limit?: number; cursor?: string } = {}): Promise<DeadLetterPage> {
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
    const where = deadLetterWhere(filter);
    const params = [...where.params];
    let sql = `SELECT ${SUMMARY} FROM dead_letter WHERE ${where.sql}`;
    if (filter.cursor) {
      params.push(filter.cursor);
      sql += ` AND id < $${params.length}::bigint`;
    }
    params.push(limit + 1);
    sql += ` ORDER BY id DESC LIMIT $${params.length}`;
    const { rows } = await this.opts.db.query(sql, params);
    const items = rows.slice(0, limit).map(toSummary);
    return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
  }

  async get(id: string): Promise<DeadLetter | null> {
    if (!/^\d{1,18}$/.test(id)) return null;
    const { rows } = await this.opts.db.query(`SELECT ${FULL} FROM dead_letter WHERE id = $1::bigint`, [id]);
    return rows[0] ? toDeadLetter(rows[0]) : null;
  }

  async replay(id: string): Promise<DeadLetterAction> {
    const dl = await this.get(id);
    if (!dl) return { outcome: 'not-found' };
    if (dl.status !== 'open') return { outcome: 'not-open', deadLetter: dl };
    if (dl.originalQueue === UNKNOWN_QUEUE) return { outcome: 'not-replayable', deadLetter: dl };
    await this.opts.transport.sendToQueue(dl.originalQueue, dl.body, replayHeaders(dl.id));
    const { rows } = await this.opts.db.query(
      `UPDATE dead_letter SET status = 'replayed', replayed_at = now() WHERE id = $1::bigint AND status = 'open'
       RETURNING ${FULL}`,
      [id],
    );
    this.log.info({ deadLetterId: id, queue: dl.originalQueue, type: dl.type }, 'dead letter replayed');
    this.scheduleDepthRefresh();
    return { outcome: 'done', deadLetter: rows[0] ? toDeadLetter(rows[0]) : dl };
  }

  /** Replays every open dead letter matching the filter, oldest first. */
  async replayAll(filter: Omit<DeadLetterFilter, 'status'> = {}): Promise<{ replayed: number }> {
    let replayed = 0;
    let after = '0';
    for (;;) {
      const where = deadLetterWhere({ ...filter, status: 'open' }, 2);
      const { rows } = await this.opts.db.query<{ id: string }>(
        `SELECT id::text AS id FROM dead_letter WHERE id > $1::bigint AND ${where.sql} ORDER BY id LIMIT 100`,
        [after, ...where.params],
      );
      if (rows.length === 0) return { replayed };
      for (const { id } of rows) {
        const result = await this.replay(id);
        if (result.outcome === 'done') replayed++;
        after = id;
      }
    }
  }

  async discard(id: string): Promise<DeadLetterAction> {
    const dl = await this.get(id);
    if (!dl) return { outcome: 'not-found' };
    const { rows } = await this.opts.db.query(
      `UPDATE dead_letter SET status = 'discarded', discarded_at = now() WHERE id = $1::bigint AND status = 'open'
       RETURNING ${FULL}`,
      [id],
    );
    if (!rows[0]) return { outcome: 'not-open', deadLetter: dl };
    this.log.info({ deadLetterId: id, type: dl.type }, 'dead letter discarded');
    this.scheduleDepthRefresh();
    return { outcome: 'done', deadLetter: toDeadLetter(rows[0]) };
  }

  /** Stores one message taken from the DLQ (idempotent per dead-lettering). */
  async archive(body: Buffer | string, headers: Record<string, unknown>): Promise<void> {
    const text = textSafe(typeof body === 'string' ? body : body.toString('utf8'));
    const info = readDeadLetterHeaders(headers);
    const { messageId, type } = peek(text);
    const { [DEAD_LETTER_HEADERS.stack]: _stack, ...kept } = headers;
    await this.opts.db.query(
      `INSERT INTO dead_letter (dead_letter_key, message_id, type, original_queue, category, reason, error, stack,
         attempts, body, headers, dead_lettered_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, COALESCE($12::timestamptz, now()))
       ON CONFLICT (dead_letter_key) DO NOTHING`,
      [
        info.id ?? brokerDeathKey(text, headers),
        messageId,
        type,
        info.originalQueue ?? UNKNOWN_QUEUE,
        textSafe(info.category),
        textSafe(info.reason),
        info.error === undefined ? null : textSafe(info.error),
        info.stack === undefined ? null : textSafe(info.stack),
        Math.max(0, Math.floor(info.attempts)),
        text,
        JSON.stringify(jsonSafe(kept)),
        validTime(info.at),
      ],
    );
    this.scheduleDepthRefresh();
  }

  /** Open dead letters: archived and not yet settled, plus any still waiting in the queue. */
  async depth(): Promise<{ open: number; queued: number }> {
    const { rows } = await this.opts.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM dead_letter WHERE status = 'open'`,
    );
    const queued = await this.opts.transport.depth(queueNames(this.opts.service).dlq).catch(() => 0);
    return { open: Number(rows[0]?.n ?? 0), queued };
  }

  async refreshDepthGauge(): Promise<void> {
    const { open, queued } = await this.depth();
    messagingMetrics.dlqDepth.set({ service: this.opts.service }, open + queued);
  }

  /** Refreshes the gauge soon, once for a burst of changes. */
  scheduleDepthRefresh(): void {
    if (this.depthTimer) return;
    this.depthTimer = setTimeout(() => {
      this.depthTimer = undefined;
      this.refreshDepthGauge().catch((err: unknown) =>
        this.log.debug({ err: errorText(err) }, 'could not refresh the DLQ depth'),
      );
    }, 250);
    this.depthTimer.unref();
  }

  stop(): void {
    clearTimeout(this.depthTimer);
    this.depthTimer = undefined;
  }
}

function peek(body: string): { messageId: string | null; type: string | null } {
  try {
    const json = JSON.parse(body) as unknown;
    if (json && typeof json === 'object') {
      const { messageId, type } = json as Record<string, unknown>;
      return {
        messageId: typeof messageId === 'string' ? messageId.slice(0, 200) : null,
        type: typeof type === 'string' ? type.slice(0, 200) : null,
      };
    }
  } catch {
    // Not JSON: that is often why it is here.
  }
  return { messageId: null, type: null };
}

/** A broker-made dead letter has no id of ours; its first x-death entry tells deaths apart. */
function brokerDeathKey(body: string, headers: Record<string, unknown>): string | null {
  const deaths = headers['x-death'];
  if (!Array.isArray(deaths) || deaths.length === 0) return null;
  const digest = createHash('sha256')
    .update(body)
    .update(JSON.stringify(jsonSafe(deaths[0])))
    .digest('hex');
  return `x-death:${digest}`;
}

const validTime = (s: string | undefined): string | null => (s && !Number.isNaN(Date.parse(s)) ? s : null);
const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString();
const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : iso(v));

function toSummary(r: Record<string, unknown>): DeadLetterSummary {
  return {
    id: String(r.id),
    messageId: (r.message_id as string | null) ?? null,
    type: (r.type as string | null) ?? null,
    originalQueue: String(r.original_queue),
    category: String(r.category),
    reason: String(r.reason),
    attempts: Number(r.attempts),
    status: r.status as DeadLetterStatus,
    deadLetteredAt: iso(r.dead_lettered_at),
    replayedAt: isoOrNull(r.replayed_at),
    discardedAt: isoOrNull(r.discarded_at),
  };
}

function toDeadLetter(r: Record<string, unknown>): DeadLetter {
  return {
    ...toSummary(r),
    error: (r.error as string | null) ?? null,
    stack: (r.stack as string | null) ?? null,
    body: String(r.body),
    headers: (r.headers as Record<string, unknown> | null) ?? {},
    archivedAt: iso(r.archived_at),
  };
}
