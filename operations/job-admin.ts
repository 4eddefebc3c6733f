import type { Db } from '#platform/data/db.js';
import { UUID } from '#platform/data/identifiers.js';
import type { OpsScope } from '#platform/http/ops-scope.js';
import { stateOf, type JobState } from '#platform/jobs/job-states.js';

export interface JobView {
  id: string;
  queue: string;
  state: JobState;
  data: unknown;
  startAfter: string;
  attempts: number;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export type JobAction =
  { outcome: 'done'; job: JobView } | { outcome: 'not-found' } | { outcome: 'conflict'; state: JobState };

const PGBOSS_STATES: Record<JobState, string[]> = {
  scheduled: ['created', 'retry'],
  active: ['active'],
  completed: ['completed'],
  failed: ['failed'],
  cancelled: ['cancelled'],
};

/**
 * Whose jobs a caller sees: an organization's admin the jobs whose data names its organization
 * (another organization's answer 404); an operator every job (`organizationId: null`), those that
 * name no organization (sweeps, global schedules) included.
 */
export type JobScope = OpsScope;

const IN_SCOPE = (param: string) =>
  `(${param}::text IS NULL OR lower(data->>'organizationId') = lower(${param}::text))`;

interface JobRow {
  id: string;
  name: string;
  state: string;
  data: unknown;
  start_after: Date;
  retry_count: number;
  started_on: Date | null;
  error: string | null;
  created_on: Date;
  completed_on: Date | null;
}

function view(r: JobRow): JobView {
  const state = stateOf(r.state);
  // retry_count counts attempts already failed; one more has run (or runs) once the job started.
  const attempts = r.retry_count + (r.state === 'retry' || r.started_on === null ? 0 : 1);
  return {
    id: r.id,
    queue: r.name,
    state,
    data: r.data,
    startAfter: r.start_after.toISOString(),
    attempts,
    error: r.state === 'failed' || r.state === 'retry' ? r.error : null,
    createdAt: r.created_on.toISOString(),
    finishedAt: r.completed_on?.toISOString() ?? null,
  };
}

// pg-boss keeps a failure's message in `output` (an Error's `message`, or under `value`).
const COLUMNS = `id, name, state::text AS state, data, start_after, retry_count, started_on, created_on, completed_on,
  COALESCE(output->>'message', output->'value'->>'message') AS error`;

/** Jobs of a service's queue, for the operations routes (pg-boss's own queues left out). */
export class JobAdmin {
  constructor(
    private readonly db: Db,
    private readonly schema: string,
  ) {}

  async list(
    scope: JobScope,
    filter: { queue?: string; state?: JobState; limit?: number },
  ): Promise<JobView[]> {
    const states = filter.state ? PGBOSS_STATES[filter.state] : null;
    const select = (table: string) => `
      SELECT ${COLUMNS} FROM ${this.schema}.${table}
       WHERE name NOT LIKE '\\_\\_pgboss\\_\\_%' AND ($1::text IS NULL OR name = $1)
         AND ($2::text[] IS NULL OR state::text = ANY($2::text[])) AND ${IN_SCOPE('$4')}`;
    const { rows } = await this.db.query<JobRow>(
      `${select('job')} UNION ALL ${select('archive')} ORDER BY created_on DESC, id LIMIT $3`,
      [filter.queue ?? null, states, filter.limit ?? 100, scope.organizationId],
    );
    return rows.map(view);
  }

  async get(scope: JobScope, id: string): Promise<JobView | null> {
    if (!UUID.test(id)) return null;
    const { rows } = await this.db.query<JobRow>(
      `SELECT ${COLUMNS} FROM ${this.schema}.job WHERE id = $1 AND ${IN_SCOPE('$2')}
       UNION ALL SELECT ${COLUMNS} FROM ${this.schema}.archive WHERE id = $1 AND ${IN_SCOPE('$2')} LIMIT 1`,
      [id, scope.organizationId],
    );
    return rows[0] ? view(rows[0]) : null;
  }

  /** A scheduled job becomes due now. */
  runNow(scope: JobScope, id: string): Promise<JobAction> {
    return this.act(scope, id, `start_after = now()`, ['created', 'retry']);
  }

  /** A finished job (failed, cancelled or completed) is scheduled again, now, with one more attempt. */
  retry(scope: JobScope, id: string): Promise<JobAction> {
    return this.act(
      scope,
      id,
      `state = 'retry', start_after = now(), completed_on = NULL, retry_limit = GREATEST(retry_limit, retry_count + 1)`,
      ['failed', 'cancelled', 'completed'],
    );
  }

  /** A job not yet finished is cancelled (a running one's handler is not interrupted). */
  cancel(scope: JobScope, id: string): Promise<JobAction> {
    return this.act(scope, id, `state = 'cancelled', completed_on = now()`, ['created', 'retry', 'active']);
  }

  private async act(scope: JobScope, id: string, set: string, from: string[]): Promise<JobAction> {
    if (!UUID.test(id)) return { outcome: 'not-found' };
    const { rows } = await this.db.query<JobRow>(
      `UPDATE ${this.schema}.job SET ${set} WHERE id = $1 AND state::text = ANY($2::text[]) AND ${IN_SCOPE('$3')}
       RETURNING ${COLUMNS}`,
      [id, from, scope.organizationId],
    );
    if (rows[0]) return { outcome: 'done', job: view(rows[0]) };
    const found = await this.get(scope, id);
    return found ? { outcome: 'conflict', state: found.state } : { outcome: 'not-found' };
  }
}
