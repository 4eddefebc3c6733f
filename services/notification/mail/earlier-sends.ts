import type { Queryable } from '#platform/data/db.js';

/**
 * Who each shared mail id was already sent to, read for a whole batch before its handlers run
 * (their `prepare`), per transaction. Sends of this batch are recorded after all its handlers
 * (sent-records.ts), so nothing read here goes stale within the batch.
 */
const known = new WeakMap<Queryable, Map<string, Set<string>>>();

export async function readEarlierSends(q: Queryable, mailIds: readonly string[]): Promise<void> {
  const ids = [...new Set(mailIds.map((id) => id.toLowerCase()))];
  if (ids.length === 0) return;
  const { rows } = await q.query<{ message_id: string; recipient: string }>(
    'SELECT message_id, recipient FROM outgoing_email WHERE message_id = ANY($1::uuid[])',
    [ids],
  );
  const byId = known.get(q) ?? new Map<string, Set<string>>();
  for (const id of ids) byId.set(id, new Set());
  for (const r of rows) byId.get(String(r.message_id).toLowerCase())?.add(r.recipient);
  known.set(q, byId);
}

/** Whether the mail went to `recipient` before: from the batch's read, else asked now. */
export async function sentBefore(q: Queryable, mailId: string, recipient: string): Promise<boolean> {
  const read = known.get(q)?.get(mailId.toLowerCase());
  if (read) return read.has(recipient);
  const done = await q.query('SELECT 1 FROM outgoing_email WHERE message_id = $1 AND recipient = $2', [
    mailId,
    recipient,
  ]);
  return done.rowCount > 0;
}
