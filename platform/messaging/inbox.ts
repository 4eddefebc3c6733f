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

/**
 * A (message, handler) pair's key in the set `claimInboxes` returns. The message id is lower-cased:
 * the database hands uuids back in lower case; the envelope may carry them in either.
 */
export const inboxKey = (messageId: string, handler: string) => `${messageId.toLowerCase()}\n${handler}`;

/**
 * Claims many (message, handler) pairs in one statement and returns the `inboxKey`s of those that
 * were new. Keys are inserted in sorted order so two batches holding the same keys lock them in the
 * same order (a redelivered copy racing its original waits rather than deadlocks).
 */
export async function claimInboxes(
  tx: Queryable,
  pairs: ReadonlyArray<{ messageId: string; handler: string }>,
): Promise<Set<string>> {
  const keys = new Map<string, [string, string]>();
  for (const { messageId, handler } of pairs) keys.set(inboxKey(messageId, handler), [messageId, handler]);
  const sorted = [...keys.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  const { rows } = await tx.query<{ message_id: string; handler: string }>(
    `INSERT INTO inbox (message_id, handler)
     SELECT message_id, handler FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS k(message_id, handler, ord)
      ORDER BY ord
     ON CONFLICT (message_id, handler) DO NOTHING
     RETURNING message_id, handler`,
    [sorted.map(([id]) => id), sorted.map(([, h]) => h)],
  );
  return new Set(rows.map((r) => inboxKey(String(r.message_id), r.handler)));
}
