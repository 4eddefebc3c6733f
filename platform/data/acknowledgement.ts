import { activityCte, noRowsIn } from '../observability/activity.js';
import type { Tx } from './db.js';
import { quoteIdent } from './identifiers.js';

interface ActivityNote {
  action: string;
  detail: Record<string, unknown>;
}

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
  correlationId: string;
  /** Recorded when the record is the organization's. */
  activity: ActivityNote;
  /** Recorded instead when it is not (an acknowledgement of a record this service never had). */
  unknown: ActivityNote;
}

/**
 * Records another service's acknowledgement of one of an organization's records in one statement:
 * the reference it gave, and when, kept from the first time (acknowledgements arrive more than
 * once), with its activity, or the `unknown` activity when no such record is the organization's.
 * Nothing in the handler waits on it, so it goes out with the COMMIT (`Tx.beforeCommit`): a batch
 * of acknowledgements costs its transaction no round trip of their own.
 */
export function recordAcknowledgement(tx: Tx, a: Acknowledgement): void {
  const stamp = quoteIdent(a.stampColumn);
  const touched = a.touched ? `, ${quoteIdent(a.touched)} = now()` : '';
  const params: unknown[] = [a.organizationId, a.id, a.reference];
  const ctx = { correlationId: a.correlationId, organizationId: a.organizationId };
  const found = activityCte(
    'acknowledged_activity',
    params,
    a.activity.action,
    a.activity.detail,
    ctx,
    'acknowledged',
  );
  const unknown = activityCte(
    'unknown_activity',
    params,
    a.unknown.action,
    a.unknown.detail,
    ctx,
    noRowsIn('acknowledged'),
  );
  const sql = `WITH acknowledged AS (
       UPDATE ${quoteIdent(a.table)} SET ${quoteIdent(a.referenceColumn)} = $3, ${stamp} = coalesce(${stamp}, now())${touched}
        WHERE organization_id = $1 AND id = $2 RETURNING id
     ), ${found}, ${unknown}
     SELECT 1`;
  tx.beforeCommit(() => ({ sql, params }));
}
