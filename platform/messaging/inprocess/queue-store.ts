import type { Db } from '../../data/db.js';
import { leaseEnd, leaseTerms } from '../../data/lease.js';
import { textSafe } from '../storable.js';
import { COMMANDS_EXCHANGE, EVENTS_EXCHANGE, commandRoutingKey, queueNames } from '../envelope.js';
import { ATTEMPT_HEADER, attemptOf } from '../headers.js';
import type { OutgoingMessage, ServiceTopology } from '../transport.js';

export interface LeasedMessage {
  id: string;
  queue: string;
  body: string;
  headers: Record<string, unknown>;
  attempt: number;
  /** Also the lease's fencing token: a settle with a stale count touches nothing. */
  deliveries: number;
}

type Headers = Record<string, string | number>;

const ms = (n: number) => Math.max(0, Math.round(n));

/**
 * A consumer leases a message by hiding it until `visible_at` (no owner: whoever settles first
 * with the current delivery count wins); the count, bumped by every delivery, fences the settle.
 */
const messageLease = leaseTerms({ table: 'bus_message', until: 'visible_at', version: 'deliveries' });

/** The SQL of the in-process broker: every state change is one statement or one transaction. */
export class QueueStore {
  constructor(private readonly db: Db) {}

  /** The service's queues and exactly the bindings it asks for now (old event bindings are dropped). */
  async declare(t: ServiceTopology): Promise<void> {
    const names = queueNames(t.service);
    await this.db.transaction(async (tx) => {
      for (const queue of [names.events, names.commands, names.dlq]) {
        await tx.query(
          `INSERT INTO bus_queue (name, service) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
          [queue, t.service],
        );
      }
      const types = [...new Set(t.eventTypes)];
      await tx.query(
        `DELETE FROM bus_binding WHERE queue = $1 AND exchange = $2 AND NOT (routing_key = ANY($3::text[]))`,
        [names.events, EVENTS_EXCHANGE, types],
      );
      for (const type of types) {
        await tx.query(
          `INSERT INTO bus_binding (exchange, routing_key, queue) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
          [EVENTS_EXCHANGE, type, names.events],
        );
      }
      if (t.commands) {
        await tx.query(
          `INSERT INTO bus_binding (exchange, routing_key, queue) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
          [COMMANDS_EXCHANGE, commandRoutingKey(t.service), names.commands],
        );
      } else {
        await tx.query(`DELETE FROM bus_binding WHERE queue = $1`, [names.commands]);
      }
    });
  }

  /**
   * Routes a batch through the bindings in one statement: one copy per bound queue, in order.
   * Returns the queues that got copies and the ids of messages no binding wanted.
   */
  async publish(messages: OutgoingMessage[]): Promise<{ queues: Set<string>; unroutable: string[] }> {
    if (messages.length === 0) return { queues: new Set(), unroutable: [] };
    const { rows } = await this.db.query<{ queues: string[] | null; unroutable: (number | string)[] | null }>(
      `WITH m AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])
           WITH ORDINALITY AS m(exchange, routing_key, body, headers, ord)),
       ins AS (
         INSERT INTO bus_message (queue, body, headers)
         SELECT b.queue, m.body, m.headers FROM m
           JOIN bus_binding b ON b.exchange = m.exchange AND b.routing_key = m.routing_key
          ORDER BY m.ord, b.queue
         RETURNING queue)
       SELECT (SELECT array_agg(DISTINCT queue) FROM ins) AS queues,
              (SELECT array_agg(ord) FROM m WHERE NOT EXISTS (
                 SELECT 1 FROM bus_binding b WHERE b.exchange = m.exchange AND b.routing_key = m.routing_key)
              ) AS unroutable`,
      [
        messages.map((m) => m.exchange),
        messages.map((m) => m.routingKey),
        messages.map((m) => textSafe(m.body)),
        messages.map((m) => JSON.stringify(m.headers ?? {})),
      ],
    );
    const row = rows[0];
    return {
      queues: new Set(row?.queues ?? []),
      unroutable: (row?.unroutable ?? []).map((ord) => messages[Number(ord) - 1]?.messageId ?? String(ord)),
    };
  }

  async send(queue: string, body: string, headers: Headers): Promise<void> {
    await this.db.query(
      `INSERT INTO bus_message (queue, body, headers, attempt) VALUES ($1, $2, $3::jsonb, $4)`,
      [queue, textSafe(body), JSON.stringify(headers), attemptOf(headers)],
    );
  }

  /**
   * Hands out up to `limit` visible messages, hidden for `leaseMs` unless settled or extended, and
   * says when the next of the others becomes visible (null when none wait), in one statement.
   */
  async lease(
    queue: string,
    limit: number,
    leaseMs: number,
  ): Promise<{ leased: LeasedMessage[]; nextAt: Date | null }> {
    const { rows } = await this.db.query<{
      id: string | number | null;
      body: string | null;
      headers: Record<string, unknown> | null;
      attempt: number | null;
      deliveries: number | null;
      next_at: unknown;
    }>(
      `WITH picked AS (
         SELECT id FROM bus_message WHERE queue = $1 AND visible_at <= now()
          ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED),
       leased AS (
         UPDATE bus_message m SET deliveries = m.deliveries + 1, visible_at = ${leaseEnd('$3')}
           FROM picked WHERE m.id = picked.id
         RETURNING m.id, m.body, m.headers, m.attempt, m.deliveries)
       SELECT id, body, headers, attempt, deliveries, NULL::timestamptz AS next_at FROM leased
       UNION ALL
       SELECT NULL::bigint, NULL::text, NULL::jsonb, NULL::int, NULL::int,
              (SELECT min(visible_at) FROM bus_message
                WHERE queue = $1 AND id NOT IN (SELECT id FROM picked))`,
      [queue, limit, ms(leaseMs)],
    );
    let nextAt: Date | null = null;
    const leased: LeasedMessage[] = [];
    for (const r of rows) {
      if (r.id === null) {
        nextAt = r.next_at === null || r.next_at === undefined ? null : new Date(r.next_at as string | Date);
        continue;
      }
      leased.push({
        id: String(r.id),
        queue,
        body: r.body ?? '',
        headers: r.headers ?? {},
        attempt: Number(r.attempt),
        deliveries: Number(r.deliveries),
      });
    }
    leased.sort((a, b) => Number(a.id) - Number(b.id));
    return { leased, nextAt };
  }

  async extend(ids: string[], leaseMs: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(`UPDATE bus_message SET ${messageLease.extend('$2')} WHERE id = ANY($1::bigint[])`, [
      ids,
      ms(leaseMs),
    ]);
  }

  /**
   * Removes settled copies in one statement; returns the ids removed. A copy whose lease was lost
   * (it expired and another consumer holds the message now) is left alone and missing from the set.
   */
  async ack(messages: readonly LeasedMessage[]): Promise<Set<string>> {
    if (messages.length === 0) return new Set();
    const { rows } = await this.db.query<{ id: string | number }>(
      `DELETE FROM bus_message m USING unnest($1::bigint[], $2::int[]) AS s(id, deliveries)
        WHERE m.id = s.id AND m.deliveries = s.deliveries
        RETURNING m.id`,
      [messages.map((m) => m.id), messages.map((m) => m.deliveries)],
    );
    return new Set(rows.map((r) => String(r.id)));
  }

  /** Back on its queue as a new copy for `attempt`, visible after `delayMs`. */
  async retry(m: LeasedMessage, attempt: number, delayMs: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE bus_message
          SET attempt = $3, deliveries = 0, visible_at = now() + $4 * interval '1 millisecond',
              headers = headers || jsonb_build_object($5::text, $3::int)
        WHERE id = $1::bigint AND ${messageLease.fenced('$2')}`,
      [m.id, m.deliveries, attempt, ms(delayMs), ATTEMPT_HEADER],
    );
    return rowCount === 1;
  }

  /** Moves the message to `dlq` with `headers` added, in one transaction. */
  async move(m: LeasedMessage, dlq: string, headers: Headers): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const { rowCount } = await tx.query(
        `INSERT INTO bus_message (queue, body, headers, attempt)
         SELECT $3, body, headers || $4::jsonb, attempt FROM bus_message WHERE id = $1::bigint AND ${messageLease.fenced('$2')}`,
        [m.id, m.deliveries, dlq, JSON.stringify(headers)],
      );
      if (rowCount === 0) return false;
      await tx.query(`DELETE FROM bus_message WHERE id = $1::bigint`, [m.id]);
      return true;
    });
  }

  async depth(queue: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM bus_message WHERE queue = $1`,
      [queue],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
