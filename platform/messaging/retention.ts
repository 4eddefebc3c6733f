import type { Db } from '../data/db.js';
import { deleteInChunks } from '../data/prune.js';

export interface RetentionOptions {
  /** Sent outbox rows older than this go. */
  outboxRetentionMs: number;
  /** Inbox records older than this go; a redelivery of an older message would run its handler again. */
  inboxRetentionMs: number;
  /** Redelivery counts of copies nobody saw again for this long go. */
  deliveryAttemptRetentionMs?: number;
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
