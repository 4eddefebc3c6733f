import type { Queryable } from './db.js';
import { quoteIdent } from './identifiers.js';

/** The row as the replica's columns (`updated_at` aside): keyed by `id`. */
type ReplicaRow = { id: string } & Record<string, unknown>;

/**
 * Writes a service's copy of another service's row, fed by that service's events. The table has
 * the row's columns plus `updated_at`, which keeps the time of the event that wrote the row.
 * Events arrive late and more than once (retries, redeliveries), so an older event never
 * overwrites what a newer one wrote; and where the row has an `organization_id`, a message of
 * another organization never takes over a row of this one.
 */
export async function upsertReplica(
  q: Queryable,
  table: string,
  row: ReplicaRow,
  at: string | Date,
): Promise<void> {
  const columns = [...Object.keys(row), 'updated_at'];
  const target = quoteIdent(table);
  const updates = columns
    .filter((c) => c !== 'id')
    .map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`)
    .join(', ');
  const sameOrganization =
    'organization_id' in row ? ` AND ${target}.organization_id = excluded.organization_id` : '';
  await q.query(
    `INSERT INTO ${target} (${columns.map(quoteIdent).join(', ')})
     VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})
     ON CONFLICT (id) DO UPDATE SET ${updates}
      WHERE ${target}.updated_at <= excluded.updated_at${sameOrganization}`,
    [...Object.values(row), at],
  );
}
