import { createHash } from 'node:crypto';
import type { Queryable } from '../data/db.js';
import { jsonSafe, textSafe } from './storable.js';
import { DEAD_LETTER_HEADERS, readDeadLetterHeaders } from './headers.js';

/** Where a dead letter came from when our headers do not say (a broker-made dead letter). */
export const UNKNOWN_QUEUE = '(unknown)';

/**
 * Stores one message taken from the DLQ, idempotent per dead-lettering (a redelivered copy of
 * the same death is not archived twice). The body is kept exactly as it arrived.
 */
export async function archiveDeadLetter(
  db: Queryable,
  body: Buffer | string,
  headers: Record<string, unknown>,
): Promise<void> {
  const text = textSafe(typeof body === 'string' ? body : body.toString('utf8'));
  const info = readDeadLetterHeaders(headers);
  const { messageId, type, organizationId } = peek(text);
  const { [DEAD_LETTER_HEADERS.stack]: _stack, ...kept } = headers;
  await db.query(
    `INSERT INTO dead_letter (dead_letter_key, message_id, type, original_queue, category, reason, error, stack,
       attempts, body, headers, dead_lettered_at, organization_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, COALESCE($12::timestamptz, now()), $13)
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
      organizationId,
    ],
  );
}

/** What the envelope says of itself; its organization decides who may see the dead letter. */
function peek(body: string): {
  messageId: string | null;
  type: string | null;
  organizationId: string | null;
} {
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v.slice(0, 200) : null);
  try {
    const json = JSON.parse(body) as unknown;
    if (json && typeof json === 'object') {
      const { messageId, type, organizationId } = json as Record<string, unknown>;
      // Kept in lower case, as the filters compare it (uuids are case-insensitive).
      return {
        messageId: text(messageId),
        type: text(type),
        organizationId: text(organizationId)?.toLowerCase() ?? null,
      };
    }
  } catch {
    // Not JSON: that is often why it is here (and then it belongs to no organization: operators only).
  }
  return { messageId: null, type: null, organizationId: null };
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
