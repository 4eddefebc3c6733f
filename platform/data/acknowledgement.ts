import { activityCte } from '../observability/activity.js';
import type { Queryable } from './db.js';
import { quoteIdent } from './identifiers.js';

export interface Acknowledgement {
  /** The acknowledged record: its table, the column for the reference and the one stamped once. */
  table: string;
  referenceColumn: string;
  stampColumn: string;
  /** A column also set to now() each time (`updated_at`). */
  touched?: string;
  organizationId: string;
  id: string;
  /** What the other service answered with (a journal's id, say). */
  reference: string;
  /** Recorded in the same statement, only when the record is found. */
  activity: { action: string; detail: Record<string, unknown>; correlationId: string };
}

/**
 * Records another service's acknowledgement of one of an organization's records, with its activity,
 * in one statement: the reference it gave, and when, kept from the first time (acknowledgements
 * arrive more than once). False when no such record is the organization's: the caller says so.
 */
export async function recordAcknowledgement(q: Queryable, a: Acknowledgement): Promise<boolean> {
  const stamp = quoteIdent(a.stampColumn);
  const touched = a.touched ? `, ${quoteIdent(a.touched)} = now()` : '';
  const params: unknown[] = [a.organizationId, a.id, a.reference];
  const { action, detail, correlationId } = a.activity;
  const activity = activityCte(
    'acknowledged_activity',
    params,
    action,
    detail,
    {
      correlationId,
      organizationId: a.organizationId,
    },
    'acknowledged',
  );
  const { rows } = await q.query(
    `WITH acknowledged AS (
       UPDATE ${quoteIdent(a.table)} SET ${quoteIdent(a.referenceColumn)} = $3, ${stamp} = coalesce(${stamp}, now())${touched}
        WHERE organization_id = $1 AND id = $2 RETURNING id
     ), ${activity}
     SELECT id FROM acknowledged`,
    params,
  );
  return rows.length > 0;
}
