import { createHash } from 'node:crypto';
import type { Db } from '../data/db.js';
import type { Delivery } from './transport.js';

export interface DeliveryVerdict {
  /** This copy was handed out more often than the limit: a consumer keeps dying on it. */
  exceeded: boolean;
  deliveries: number;
  /** Set when the count lives in `delivery_attempt`; forget it once the copy is settled. */
  countedAs: string | undefined;
}

/**
 * Stops a message that kills its consumer every time from being redelivered forever. The broker's
 * count is used when it keeps one (quorum queues, the in-process transport); otherwise each
 * redelivery of a copy is counted in the database, keyed by queue, attempt and body.
 */
export async function checkDeliveryLimit(db: Db, d: Delivery, limit: number): Promise<DeliveryVerdict> {
  if (d.deliveryCount !== undefined) {
    return { exceeded: d.deliveryCount > limit, deliveries: d.deliveryCount, countedAs: undefined };
  }
  if (!d.redelivered) return { exceeded: false, deliveries: 1, countedAs: undefined };
  const key = createHash('sha256')
    .update(d.queue)
    .update('\n')
    .update(String(d.attempt))
    .update('\n')
    .update(d.body)
    .digest('hex');
  // The first delivery was not counted (it was not known to be a redelivery yet): start at 2.
  const { rows } = await db.query<{ deliveries: number }>(
    `INSERT INTO delivery_attempt (delivery_key, queue, deliveries) VALUES ($1, $2, 2)
     ON CONFLICT (delivery_key) DO UPDATE
       SET deliveries = delivery_attempt.deliveries + 1, last_seen_at = now()
     RETURNING deliveries`,
    [key, d.queue],
  );
  const deliveries = Number(rows[0]?.deliveries ?? 2);
  return { exceeded: deliveries > limit, deliveries, countedAs: key };
}

export async function forgetDelivery(db: Db, verdict: DeliveryVerdict): Promise<void> {
  if (verdict.countedAs === undefined) return;
  await db.query(`DELETE FROM delivery_attempt WHERE delivery_key = $1`, [verdict.countedAs]);
}
