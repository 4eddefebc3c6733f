import { recordAcknowledgement } from '#platform/data/acknowledgement.js';
import type { Queryable, Tx } from '#platform/data/db.js';
import type { Payslip, RunTotals } from './payslips.js';

export interface SalaryRun extends RunTotals {
  id: string;
  companyId: string | null;
  period: string;
  status: 'draft' | 'posted';
  /** Common acknowledged the posting (LedgerPosted). */
  posted: boolean;
  journalId: string | null;
  postedAt: string | null;
  createdAt: string;
  /** The request that computed it: the thread its timeline follows. */
  correlationId: string | null;
  payslips: Payslip[];
}

interface Row {
  id: string;
  company_id: string | null;
  period: string;
  status: 'draft' | 'posted';
  total_gross: string;
  total_deductions: string;
  total_net: string;
  journal_id: string | null;
  posted_at: Date | null;
  created_at: Date;
  correlation_id: string | null;
}

const COLUMNS = `id, company_id, period, status, total_gross::text AS total_gross,
                 total_deductions::text AS total_deductions, total_net::text AS total_net, journal_id, posted_at,
                 created_at, correlation_id`;

const toRun = (r: Row, payslips: Payslip[]): SalaryRun => ({
  id: r.id,
  companyId: r.company_id,
  period: r.period,
  status: r.status,
  totalGross: r.total_gross,
  totalDeductions: r.total_deductions,
  totalNet: r.total_net,
  posted: r.journal_id !== null,
  journalId: r.journal_id,
  postedAt: r.posted_at ? new Date(r.posted_at).toISOString() : null,
  createdAt: new Date(r.created_at).toISOString(),
  correlationId: r.correlation_id,
  payslips,
});

/** Writes a run with its payslips; false when the organization already has a run for the period. */
export async function insertRun(
  q: Queryable,
  run: RunTotals & {
    id: string;
    organizationId: string;
    companyId: string | null;
    period: string;
    createdBy: string;
    correlationId: string;
    payslips: Payslip[];
  },
): Promise<boolean> {
  const { rows } = await q.query(
    `WITH run AS (
       INSERT INTO salary_run (id, organization_id, company_id, period, total_gross, total_deductions, total_net,
                               created_by, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (organization_id, period) DO NOTHING RETURNING id
     ), slips AS (
       INSERT INTO payslip (salary_run_id, employee_id, name, email, gross, deductions, net)
       SELECT run.id, s.employee_id, s.name, s.email, s.gross, s.deductions, s.net
         FROM run, jsonb_to_recordset($10::jsonb) AS s(employee_id uuid, name text, email text, gross numeric,
                                                      deductions numeric, net numeric)
     )
     SELECT id FROM run`,
    [
      run.id,
      run.organizationId,
      run.companyId,
      run.period,
      run.totalGross,
      run.totalDeductions,
      run.totalNet,
      run.createdBy,
      run.correlationId,
      JSON.stringify(
        run.payslips.map((p) => ({
          employee_id: p.employeeId,
          name: p.name,
          email: p.email,
          gross: p.gross,
          deductions: p.deductions,
          net: p.net,
        })),
      ),
    ],
  );
  return rows.length === 1;
}

export async function getRun(
  q: Queryable,
  organizationId: string,
  id: string,
  opts: { lock?: boolean } = {},
): Promise<SalaryRun | null> {
  const { rows } = await q.query<Row>(
    `SELECT ${COLUMNS} FROM salary_run WHERE organization_id = $1 AND id = $2${opts.lock ? ' FOR UPDATE' : ''}`,
    [organizationId, id],
  );
  const row = rows[0];
  if (!row) return null;
  const slips = await q.query<{
    employee_id: string;
    name: string;
    email: string | null;
    gross: string;
    deductions: string;
    net: string;
  }>(
    `SELECT employee_id, name, email, gross::text AS gross, deductions::text AS deductions, net::text AS net
       FROM payslip WHERE salary_run_id = $1 ORDER BY name, employee_id`,
    [id],
  );
  return toRun(
    row,
    slips.rows.map((s) => ({
      employeeId: s.employee_id,
      name: s.name,
      email: s.email,
      gross: s.gross,
      deductions: s.deductions,
      net: s.net,
    })),
  );
}

/** Runs, newest period first (without their payslips). */
export async function listRuns(
  q: Queryable,
  organizationId: string,
  page: { limit: number; before?: string | undefined },
): Promise<SalaryRun[]> {
  const { rows } = await q.query<Row>(
    `SELECT ${COLUMNS} FROM salary_run WHERE organization_id = $1 AND ($2::text IS NULL OR period < $2)
      ORDER BY period DESC LIMIT $3`,
    [organizationId, page.before ?? null, page.limit],
  );
  return rows.map((r) => toRun(r, []));
}

export async function markRunPosted(q: Queryable, id: string, postedBy: string): Promise<void> {
  await q.query(`UPDATE salary_run SET status = 'posted', posted_by = $2, posted_at = now() WHERE id = $1`, [
    id,
    postedBy,
  ]);
}

/** Common booked the run: its journal, with the activity (written with the COMMIT). */
export function markRunAcknowledged(
  tx: Tx,
  organizationId: string,
  id: string,
  journalId: string,
  correlationId: string,
): void {
  recordAcknowledgement(tx, {
    table: 'salary_run',
    referenceColumn: 'journal_id',
    stampColumn: 'acknowledged_at',
    organizationId,
    id,
    reference: journalId,
    correlationId,
    activity: { action: 'salary-run.acknowledged', detail: { salaryRunId: id, journalId } },
    unknown: { action: 'salary-run.acknowledged-unknown', detail: { salaryRunId: id, journalId } },
  });
}
