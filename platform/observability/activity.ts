import type { Queryable } from '../data/db.js';
import type { MigrationSource } from '../data/migrate.js';
import { currentContext } from './context.js';

/**
 * The table `recordActivity`, `activityCte`, `activityRowsCte` and `traceOf` use, in every
 * service's own database: the host applies it with the platform's other tables, so any service may
 * record its activity and every service's log has the same shape.
 */
export const activityMigrations: MigrationSource = {
  name: 'platform.activity',
  migrations: [
    {
      version: 1,
      name: 'activity',
      sql: `
CREATE TABLE activity (
  id bigserial PRIMARY KEY,
  correlation_id text NOT NULL,
  organization_id uuid,
  action text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activity_correlation_idx ON activity (correlation_id, id);
`,
    },
  ],
};

/**
 * A small per-service log of what the service did for each correlation id, written in the same
 * transaction as the work itself (so it is there exactly when the work is).
 */
export async function recordActivity(
  q: Queryable,
  action: string,
  detail: Record<string, unknown> = {},
  ctx: { correlationId?: string; organizationId?: string | undefined } | undefined = currentContext(),
): Promise<void> {
  if (!ctx?.correlationId) return;
  await q.query(
    'INSERT INTO activity (correlation_id, organization_id, action, detail) VALUES ($1, $2, $3, $4)',
    [ctx.correlationId, ctx.organizationId ?? null, action, JSON.stringify(detail)],
  );
}

/**
 * The same record as a data-modifying CTE, to ride along with a service's own statement (one round
 * trip less). With `from`, the row is written only when that CTE yields a row (e.g. only when the
 * journal was really inserted). Parameters are appended to `params`.
 */
export function activityCte(
  name: string,
  params: unknown[],
  action: string,
  detail: Record<string, unknown>,
  ctx: { correlationId: string; organizationId: string },
  from?: string,
): string {
  params.push(ctx.correlationId, ctx.organizationId, JSON.stringify(detail));
  const n = params.length;
  return activityRowsCte(name, params, action, {
    correlationId: `$${n - 2}`,
    organizationId: `$${n - 1}::uuid`,
    detail: `$${n}::jsonb`,
    from,
  });
}

/**
 * Records for a set of rows, as a data-modifying CTE: one per row of `from`, each with its own
 * correlation id, organization and detail given as SQL expressions over that row (e.g. several
 * requests' work written by one statement). The action is appended to `params`.
 */
export function activityRowsCte(
  name: string,
  params: unknown[],
  action: string,
  rows: { correlationId: string; organizationId: string; detail: string; from?: string | undefined },
): string {
  params.push(action);
  return `${name} AS (
    INSERT INTO activity (correlation_id, organization_id, action, detail)
    SELECT ${rows.correlationId}, ${rows.organizationId}, $${params.length}, ${rows.detail}${rows.from ? ` FROM ${rows.from}` : ''}
  )`;
}

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
