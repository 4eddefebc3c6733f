import type { Queryable } from '../data/db.js';

/**
 * Records "(message, handler) done" inside the handler's transaction. False when it was already
 * recorded: the handler ran before (a redelivery or a duplicate publish) and must not run again.
 * A concurrent copy blocks on the primary key until the first transaction ends, then sees it.
 */
export async function claimInbox(tx: Queryable, messageId: string, handler: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO inbox (message_id, handler) VALUES ($1, $2) ON CONFLICT (message_id, handler) DO NOTHING`,
    [messageId, handler],
  );
  return rowCount === 1;
}
