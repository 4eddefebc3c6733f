import type { Tx } from '../data/db.js';
import { currentContext } from './context.js';

/**
 * A small per-service log of what the service did for each correlation id, written in the same
 * transaction as the work itself (so it is there exactly when the work is). Nothing reads it back
 * inside that transaction, so the row goes out with the COMMIT (`Tx.beforeCommit`): no round trip
 * of its own. The context is read now, while the work's context is current.
 */
export function recordActivity(
  tx: Tx,
  action: string,
  detail: Record<string, unknown> = {},
  ctx: { correlationId?: string; organizationId?: string | undefined } | undefined = currentContext(),
): void {
  if (!ctx?.correlationId) return;
  const params = [ctx.correlationId, ctx.organizationId ?? null, action, JSON.stringify(detail)];
  tx.beforeCommit(() => ({
    sql: 'INSERT INTO activity (correlation_id, organization_id, action, detail) VALUES ($1, $2, $3, $4)',
    params,
  }));
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

/** A `from` for `activityCte`: one row when CTE `name` yields none (the record of a miss). */
export function noRowsIn(name: string): string {
  return `(SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM ${name})) AS none_found`;
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
