import type { Queryable } from '#platform/data/db.js';

// Reading the activity log back: the timeline of one correlation id in one service.

export interface TraceEntry {
  at: string;
  service: string;
  action: string;
  detail: Record<string, unknown>;
}

/**
 * What one service did with a correlation id, in order: its activity log plus the messages its
 * outbox published (while the outbox still keeps them). Only the caller's organization is shown.
 */
export async function traceOf(
  q: Queryable,
  service: string,
  correlationId: string,
  /** Null: whichever organization (an operator's view). */
  organizationId: string | null,
): Promise<TraceEntry[]> {
  const { rows } = await q.query<{
    at: Date | string;
    action: string;
    detail: Record<string, unknown>;
  }>(
    // Within one transaction the work comes before the messages it published.
    `SELECT at, 0 AS kind, id, action, detail FROM activity
      WHERE correlation_id = $1 AND ($2::text IS NULL OR organization_id::text = $2::text)
     UNION ALL
     SELECT created_at AS at, 1 AS kind, id, 'published ' || type AS action,
            jsonb_build_object('messageId', message_id, 'routingKey', routing_key, 'sentAt', sent_at) AS detail
       FROM outbox
      WHERE body::jsonb ->> 'correlationId' = $1 AND ($2::text IS NULL OR body::jsonb ->> 'organizationId' = $2::text)
     ORDER BY at, kind, id`,
    [correlationId, organizationId],
  );
  return rows.map((r) => ({
    at: new Date(r.at).toISOString(),
    service,
    action: r.action,
    detail: r.detail,
  }));
}
