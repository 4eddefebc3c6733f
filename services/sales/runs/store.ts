import type { Queryable } from '#platform/data/db.js';
import { leaseTerms } from '#platform/data/lease.js';

/** A run is held by one worker at a time (the one executing it). */
export const runLease = leaseTerms({ table: 'invoice_run' });

export type RunStatus = 'running' | 'completed' | 'failed';

export interface InvoiceRun {
  id: string;
  organizationId: string;
  period: string;
  status: RunStatus;
  residents: number;
  created: number;
  skipped: number;
  failed: number;
  failures: Array<{ residentId: string; reason: string }>;
  reason: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface RunRow {
  id: string;
  organization_id: string;
  period: string;
  status: RunStatus;
  residents: number;
  created: number;
  skipped: number;
  failed: number;
  cursor: string | null;
  reason: string | null;
  started_at: Date;
  finished_at: Date | null;
}

const COLUMNS = `id, organization_id, period, status, residents, created, skipped, failed, cursor, reason, started_at,
                 finished_at`;

const FAILURES_SHOWN = 1000;

function toRun(r: RunRow, failures: InvoiceRun['failures']): InvoiceRun {
  return {
    id: r.id,
    organizationId: r.organization_id,
    period: r.period,
    status: r.status,
    residents: r.residents,
    created: r.created,
    skipped: r.skipped,
    failed: r.failed,
    failures,
    reason: r.reason,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
}

/** Opens a run of a period, or returns the one already running (two starts make one run). */
export async function openRun(
  q: Queryable,
  run: { id: string; organizationId: string; period: string; startedBy: string | null },
): Promise<{ row: RunRow; opened: boolean }> {
  const { rows } = await q.query<RunRow>(
    `INSERT INTO invoice_run (id, organization_id, period, started_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (organization_id, period) WHERE status = 'running' DO NOTHING RETURNING ${COLUMNS}`,
    [run.id, run.organizationId, run.period, run.startedBy],
  );
  if (rows[0]) return { row: rows[0], opened: true };
  const existing = await q.query<RunRow>(
    `SELECT ${COLUMNS} FROM invoice_run WHERE organization_id = $1 AND period = $2 AND status = 'running'`,
    [run.organizationId, run.period],
  );
  if (!existing.rows[0]) throw new Error('a concurrent run of the period ended while this one was starting');
  return { row: existing.rows[0], opened: false };
}

/** Takes the run for `owner` unless someone else holds a lease still valid. */
export async function claimRun(
  q: Queryable,
  id: string,
  owner: string,
  leaseMs: number,
): Promise<RunRow | null> {
  const { rows } = await q.query<RunRow>(
    `UPDATE invoice_run SET ${runLease.take('$2', '$3')}
      WHERE id = $1 AND status = 'running' AND (${runLease.free()} OR ${runLease.heldBy('$2')})
      RETURNING ${COLUMNS}`,
    [id, owner, leaseMs],
  );
  return rows[0] ?? null;
}

/** What a running run is waiting for (shown as its `reason` until the next page goes through). */
export async function noteWaiting(q: Queryable, id: string, owner: string, reason: string): Promise<void> {
  await q.query(
    `UPDATE invoice_run SET reason = $3 WHERE id = $1 AND ${runLease.heldBy('$2')} AND status = 'running'`,
    [id, owner, reason],
  );
}

/** Adds a page's counts and moves the cursor, only while `owner` holds the run (else false: roll back). */
export async function advanceRun(
  q: Queryable,
  id: string,
  owner: string,
  leaseMs: number,
  page: { residents: number; created: number; skipped: number; failed: number; cursor: string | null },
): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE invoice_run SET residents = residents + $3, created = created + $4, skipped = skipped + $5,
            failed = failed + $6, cursor = $7, reason = NULL, ${runLease.extend('$8')}
      WHERE id = $1 AND ${runLease.heldBy('$2')} AND status = 'running'`,
    [id, owner, page.residents, page.created, page.skipped, page.failed, page.cursor, leaseMs],
  );
  return rowCount === 1;
}

/** Ends the run, if `owner` still holds it (a worker that was taken over leaves it to the new one). */
export async function finishRun(
  q: Queryable,
  id: string,
  owner: string,
  status: 'completed' | 'failed',
  reason: string | null,
) {
  await q.query(
    `UPDATE invoice_run SET status = $3, reason = $4, finished_at = now(), ${runLease.release}
      WHERE id = $1 AND ${runLease.heldBy('$2')} AND status = 'running'`,
    [id, owner, status, reason],
  );
}

export async function recordFailures(
  q: Queryable,
  runId: string,
  failures: Array<{ residentId: string; reason: string }>,
): Promise<void> {
  if (failures.length === 0) return;
  await q.query(
    `INSERT INTO invoice_run_failure (run_id, resident_id, reason)
     SELECT $1, f.resident_id, f.reason FROM jsonb_to_recordset($2::jsonb) AS f(resident_id uuid, reason text)
     ON CONFLICT DO NOTHING`,
    [runId, JSON.stringify(failures.map((f) => ({ resident_id: f.residentId, reason: f.reason })))],
  );
}

/** Residents of the period already invoiced (by any run). */
export async function invoicedResidents(
  q: Queryable,
  organizationId: string,
  period: string,
  residentIds: string[],
): Promise<Set<string>> {
  const { rows } = await q.query<{ resident_id: string }>(
    `SELECT resident_id FROM invoice_run_item WHERE organization_id = $1 AND period = $2 AND resident_id = ANY($3::uuid[])`,
    [organizationId, period, residentIds],
  );
  return new Set(rows.map((r) => r.resident_id));
}

/** Claims (organization, period, resident) for an invoice; returns the residents claimed here (a racing run keeps its own). */
export async function claimResidents(
  q: Queryable,
  runId: string,
  organizationId: string,
  period: string,
  items: Array<{ residentId: string; invoiceId: string }>,
): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  const { rows } = await q.query<{ resident_id: string }>(
    `INSERT INTO invoice_run_item (organization_id, period, resident_id, invoice_id, run_id)
     SELECT $1, $2, i.resident_id, i.invoice_id, $3 FROM jsonb_to_recordset($4::jsonb) AS i(resident_id uuid, invoice_id uuid)
     ON CONFLICT DO NOTHING RETURNING resident_id`,
    [
      organizationId,
      period,
      runId,
      JSON.stringify(items.map((i) => ({ resident_id: i.residentId, invoice_id: i.invoiceId }))),
    ],
  );
  return new Set(rows.map((r) => r.resident_id));
}

export async function getRun(q: Queryable, organizationId: string, id: string): Promise<InvoiceRun | null> {
  const { rows } = await q.query<RunRow>(
    `SELECT ${COLUMNS} FROM invoice_run WHERE organization_id = $1 AND id = $2`,
    [organizationId, id],
  );
  if (!rows[0]) return null;
  const failures = await q.query<{ resident_id: string; reason: string }>(
    `SELECT resident_id, reason FROM invoice_run_failure WHERE run_id = $1 ORDER BY resident_id LIMIT ${FAILURES_SHOWN}`,
    [id],
  );
  return toRun(
    rows[0],
    failures.rows.map((f) => ({ residentId: f.resident_id, reason: f.reason })),
  );
}

export async function listRuns(
  q: Queryable,
  organizationId: string,
  opts: { period?: string; limit: number },
): Promise<InvoiceRun[]> {
  const { rows } = await q.query<RunRow>(
    `SELECT ${COLUMNS} FROM invoice_run WHERE organization_id = $1 AND ($2::text IS NULL OR period = $2)
      ORDER BY started_at DESC, id LIMIT $3`,
    [organizationId, opts.period ?? null, opts.limit],
  );
  return rows.map((r) => toRun(r, []));
}

/**
 * Runs to resume, with the moment their lease lapses: those already lapsed (their worker died),
 * or with `held` every running run (at start: a lease still held is most likely a dead process's).
 */
export async function resumableRuns(
  q: Queryable,
  opts: { held: boolean },
): Promise<Array<{ id: string; organizationId: string; leaseUntil: Date | null }>> {
  const { rows } = await q.query<{ id: string; organization_id: string; lease_until: Date | null }>(
    `SELECT id, organization_id, lease_until FROM invoice_run
      WHERE status = 'running' AND ($1 OR ${runLease.free()})`,
    [opts.held],
  );
  return rows.map((r) => ({ id: r.id, organizationId: r.organization_id, leaseUntil: r.lease_until }));
}
