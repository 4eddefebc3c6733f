import type { Db } from '../data/db.js';
import { deleteInChunks } from '../data/prune.js';

export const DEFAULT_OUTBOX_RETENTION_MS = 24 * 3600_000;
const DEFAULT_INBOX_RETENTION_MS = 30 * 24 * 3600_000;
/** Redelivery counts of copies nobody saw again for a day go. */
const DELIVERY_ATTEMPT_RETENTION_MS = 24 * 3600_000;

export interface RetentionOptions {
  /** Sent outbox rows older than this go (default one day). */
  outboxRetentionMs?: number;
  /**
   * Inbox records older than this go (default 30 days); a redelivery of an older message would
   * run its handler again.
   */
  inboxRetentionMs?: number;
}

export async function pruneMessagingTables(db: Db, o: RetentionOptions): Promise<Record<string, number>> {
  return {
    outbox: await deleteInChunks(
      db,
      'outbox',
      'id',
      'sent_at',
      o.outboxRetentionMs ?? DEFAULT_OUTBOX_RETENTION_MS,
    ),
    inbox: await deleteInChunks(
      db,
      'inbox',
      'message_id, handler',
      'processed_at',
      o.inboxRetentionMs ?? DEFAULT_INBOX_RETENTION_MS,
    ),
    deliveryAttempt: await deleteInChunks(
      db,
      'delivery_attempt',
      'delivery_key',
      'last_seen_at',
      DELIVERY_ATTEMPT_RETENTION_MS,
    ),
  };
}
