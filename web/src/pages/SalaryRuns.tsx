import { useState } from 'react';
import { call, can, type Session } from '../api';
import { Badge, ErrorBox, Loading, Section, Table, TimelineLink, money } from '../components';
import { MonthRunForm } from '../forms';
import { useAction, useGet } from '../hooks';

/** A run as the list shows it: its totals (the list leaves the payslips out). */
interface SalaryRun {
  id: string;
  period: string;
  status: string;
  posted: boolean;
  totalGross: string;
  totalDeductions: string;
  totalNet: string;
  correlationId: string | null;
}
interface Payslip {
  employeeId: string;
  name: string;
  gross: string;
  deductions: string;
  net: string;
}

/** One run's payslips, loaded when asked for. */
function Payslips({ run }: { run: SalaryRun }) {
  const detail = useGet<{ payslips: Payslip[] }>('payroll', `/api/salary-runs/${run.id}`);
  if (detail.loading && !detail.data) return <Loading what="payslips" />;
  if (!detail.data) return <ErrorBox error={detail.error} />;
  return (
    <Table
      label={`Payslips ${run.period}`}
      rows={detail.data.payslips}
      empty="No payslips."
      columns={[
        { title: 'Employee', cell: (p) => p.name },
        { title: 'Gross', cell: (p) => money(p.gross) },
        { title: 'Deductions', cell: (p) => money(p.deductions) },
        { title: 'Net', cell: (p) => money(p.net) },
      ]}
    />
  );
}

function Run({
  run,
  session,
  open,
  onChanged,
}: {
  run: SalaryRun;
  session: Session;
  open: boolean;
  onChanged(): void;
}) {
  const [showPayslips, setShowPayslips] = useState(open);
  const action = useAction(onChanged);
  const post = () =>
    action.run(() =>
      // The run's own correlation id: its timeline then holds the posting, the journal and the mails.
      call('payroll', `/api/salary-runs/${run.id}/post`, {
        method: 'POST',
        correlationId: run.correlationId ?? undefined,
      }),
    );
  return (
    <Section
      title={`Salary run ${run.period}`}
      actions={
        <span className="actions">
          <Badge value={run.status} />
          {run.status === 'posted' && <Badge value={run.posted ? 'booked' : 'not booked yet'} />}
          <button type="button" className="secondary" onClick={onChanged}>
            Refresh
          </button>
          {can(session, 'payroll:write') && run.status === 'draft' && (
            <button type="button" onClick={post} disabled={action.busy}>
              Post
            </button>
          )}
        </span>
      }
    >
      <ErrorBox error={action.error} />
      <p>
        Gross {money(run.totalGross)} · deductions {money(run.totalDeductions)} · net {money(run.totalNet)}
      </p>
      {showPayslips ? (
        <Payslips run={run} />
      ) : (
        <button type="button" className="link" onClick={() => setShowPayslips(true)}>
          Show payslips
        </button>
      )}
      <p>
        <TimelineLink correlationId={run.correlationId} what={`salary run ${run.period}`} session={session} />
      </p>
    </Section>
  );
}

export function SalaryRuns({ session }: { session: Session }) {
  const list = useGet<{ items: SalaryRun[] }>('payroll', '/api/salary-runs?limit=24');
  return (
    <>
      {can(session, 'payroll:write') && (
        <Section title="New salary run">
          <MonthRunForm
            label="New salary run"
            submit="Compute payslips"
            start={(period, key) =>
              call('payroll', '/api/salary-runs', { body: { period }, idempotencyKey: key })
            }
            onStarted={list.reload}
          />
        </Section>
      )}
      <ErrorBox error={list.error} />
      {list.loading && !list.data ? <Loading what="salary runs" /> : null}
      {list.data?.items.length === 0 && <p className="empty">No salary runs yet.</p>}
      {(list.data?.items ?? []).map((run, i) => (
        <Run key={run.id} run={run} session={session} open={i === 0} onChanged={list.reload} />
      ))}
    </>
  );
}
