import type { Queryable } from '#platform/data/db.js';
import { equalityConditions } from '#platform/data/where.js';
import type { SagaStatus } from '#platform/sagas/saga.js';
import { INSTANCE_COLUMNS, type InstanceRecord } from '#platform/sagas/store.js';

/** Saga instances for the operators' list, newest first, a page at a time. */
export async function listInstances(
  q: Queryable,
  filter: {
    organizationId: string | null;
    type?: string | undefined;
    status?: SagaStatus | undefined;
    limit: number;
    before?: { createdAt: string; id: string } | undefined;
  },
): Promise<Array<InstanceRecord & { position: string }>> {
  const params: unknown[] = [];
  const where = equalityConditions(params, {
    // null: every organization's and those of none (an operator's view).
    organization_id: filter.organizationId ?? undefined,
    type: filter.type || undefined,
    status: filter.status,
  });
  if (filter.before) {
    params.push(filter.before.createdAt, filter.before.id);
    where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(filter.limit);
  const { rows } = await q.query<InstanceRecord & { position: string }>(
    `SELECT ${INSTANCE_COLUMNS}, created_at::text AS position FROM saga_instance
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  return rows;
}
