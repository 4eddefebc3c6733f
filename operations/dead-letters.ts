import { EVERY_ORGANIZATION, inOpsScope, type OpsScope } from '#platform/http/ops-scope.js';
import { UNKNOWN_QUEUE } from '#platform/messaging/dead-letter-archive.js';
import type { DeadLetterStore } from '#platform/messaging/dead-letter-store.js';
import { replayHeaders } from '#platform/messaging/headers.js';
import {
  DEAD_LETTER_ID,
  deadLetterWhere,
  type DeadLetterFilter,
  type DeadLetterStatus,
} from './dead-letter-filter.js';

export interface DeadLetterSummary {
  id: string;
  /** The envelope's organization; null when it names none (or is not an envelope). */
  organizationId: string | null;
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

const SUMMARY = `id::text AS id, organization_id, message_id, type, original_queue, category, reason, attempts, status,
  dead_lettered_at, replayed_at, discarded_at`;
const FULL = `${SUMMARY}, error, stack, body, headers, archived_at`;

/**
 * What operators do with a service's archived dead letters: list, filter, inspect, replay (back
 * to the original queue with a fresh attempt count) and discard them. Replay sends first and marks
 * after: a crash between the two replays again later, which the inbox makes harmless; marking
 * first could lose the message. Every operation takes the caller's scope: an organization's admin
 * reaches its own dead letters only (another's answer not-found), an operator every one (the
 * command line acts as one).
 */
export class DeadLetterOperations {
  constructor(private readonly store: DeadLetterStore) {}

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
    const { rows } = await this.store.opts.db.query(sql, params);
    const items = rows.slice(0, limit).map(toSummary);
    return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
  }

  async get(id: string, scope: OpsScope = EVERY_ORGANIZATION): Promise<DeadLetter | null> {
    if (!DEAD_LETTER_ID.test(id)) return null;
    const { rows } = await this.store.opts.db.query(`SELECT ${FULL} FROM dead_letter WHERE id = $1::bigint`, [
      id,
    ]);
    const dl = rows[0] ? toDeadLetter(rows[0]) : null;
    return dl && inOpsScope(scope, dl.organizationId) ? dl : null;
  }

  async replay(id: string, scope: OpsScope = EVERY_ORGANIZATION): Promise<DeadLetterAction> {
    const dl = await this.get(id, scope);
    if (!dl) return { outcome: 'not-found' };
    if (dl.status !== 'open') return { outcome: 'not-open', deadLetter: dl };
    if (dl.originalQueue === UNKNOWN_QUEUE) return { outcome: 'not-replayable', deadLetter: dl };
    await this.store.opts.transport.sendToQueue(dl.originalQueue, dl.body, replayHeaders(dl.id));
    const { rows } = await this.store.opts.db.query(
      `UPDATE dead_letter SET status = 'replayed', replayed_at = now() WHERE id = $1::bigint AND status = 'open'
       RETURNING ${FULL}`,
      [id],
    );
    this.store.log.info({ deadLetterId: id, queue: dl.originalQueue, type: dl.type }, 'dead letter replayed');
    this.store.gauge.schedule();
    return { outcome: 'done', deadLetter: rows[0] ? toDeadLetter(rows[0]) : dl };
  }

  /** Replays every open dead letter matching the filter, oldest first. */
  async replayAll(filter: Omit<DeadLetterFilter, 'status'> = {}): Promise<{ replayed: number }> {
    let replayed = 0;
    let after = '0';
    for (;;) {
      const where = deadLetterWhere({ ...filter, status: 'open' }, 2);
      const { rows } = await this.store.opts.db.query<{ id: string }>(
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

  async discard(id: string, scope: OpsScope = EVERY_ORGANIZATION): Promise<DeadLetterAction> {
    const dl = await this.get(id, scope);
    if (!dl) return { outcome: 'not-found' };
    const { rows } = await this.store.opts.db.query(
      `UPDATE dead_letter SET status = 'discarded', discarded_at = now() WHERE id = $1::bigint AND status = 'open'
       RETURNING ${FULL}`,
      [id],
    );
    if (!rows[0]) return { outcome: 'not-open', deadLetter: dl };
    this.store.log.info({ deadLetterId: id, type: dl.type }, 'dead letter discarded');
    this.store.gauge.schedule();
    return { outcome: 'done', deadLetter: toDeadLetter(rows[0]) };
  }
}

const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString();
const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : iso(v));

function toSummary(r: Record<string, unknown>): DeadLetterSummary {
  return {
    id: String(r.id),
    organizationId: (r.organization_id as string | null) ?? null,
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
