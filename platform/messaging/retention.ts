import type { Db } from '../data/db.js';

export interface RetentionOptions {
  /** Sent outbox rows older than this go. */
  outboxRetentionMs: number;
  /** Inbox records older than this go; a redelivery of an older message would run its handler again. */
  inboxRetentionMs: number;
  /** Redelivery counts of copies nobody saw again for this long go. */
  deliveryAttemptRetentionMs?: number;
}

const CHUNK = 5_000;

/** Deletes in chunks so a large backlog never holds one long transaction. Returns rows deleted. */
async function deleteInChunks(
  db: Db,
  table: string,
  keys: string,
  where: string,
  ageMs: number,
): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `DELETE FROM ${table} WHERE (${keys}) IN (
         SELECT ${keys} FROM ${table} WHERE ${where} < now() - $1 * interval '1 millisecond' LIMIT ${CHUNK})`,
      [ageMs],
    );
    total += rowCount;
    if (rowCount < CHUNK) return total;
  }
}

export async function pruneMessagingTables(db: Db, o: RetentionOptions): Promise<Record<string, number>> {
  return {
    outbox: await deleteInChunks(db, 'outbox', 'id', 'sent_at', o.outboxRetentionMs),
    inbox: await deleteInChunks(db, 'inbox', 'message_id, handler', 'processed_at', o.inboxRetentionMs),
    deliveryAttempt: await deleteInChunks(
      db,
      'delivery_attempt',
      'delivery_key',
      'last_seen_at',
      o.deliveryAttemptRetentionMs ?? 24 * 3600_000,
    ),
  };
}
