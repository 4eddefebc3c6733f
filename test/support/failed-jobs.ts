import type { Queryable } from '#platform/data/db.js';

export interface FailedJob {
  id: string;
  name: string;
  data: unknown;
  error: string;
  failedAt: string;
}

const LIMIT = 1000;

interface FailedRow {
  id: string;
  name: string;
  data: unknown;
  error: string | null;
  failed_at: Date;
}

/**
 * Jobs that failed their last attempt (what the tests of the retry ladders check), newest first, from the live table and pg-boss's archive
 * (failed jobs move there after a while). pg-boss's own queues are left out.
 */
export async function listFailedJobs(db: Queryable, schema: string, name?: string): Promise<FailedJob[]> {
  const select = (table: string) => `
    SELECT id, name, data, completed_on AS failed_at,
           COALESCE(output->>'message', output->'value'->>'message', output::text) AS error
    FROM ${schema}.${table}
    WHERE state = 'failed' AND name NOT LIKE '\\_\\_pgboss\\_\\_%' AND ($1::text IS NULL OR name = $1)`;
  const { rows } = await db.query<FailedRow>(
    `${select('job')} UNION ALL ${select('archive')} ORDER BY failed_at DESC LIMIT ${LIMIT}`,
    [name ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    data: r.data,
    error: r.error ?? 'unknown error',
    failedAt: r.failed_at.toISOString(),
  }));
}
