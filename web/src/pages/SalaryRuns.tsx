import { useState, type FormEvent } from 'react';
import { call, can, type Session } from '../api';
import { Badge, ErrorBox, Loading, Section, Table, money } from '../components';
import { useLoad } from '../hooks';

interface SalaryRun {
  id: string;
  period: string;
  status: string;
  posted: boolean;
  totalGross: string;
  totalDeductions: string;
  totalNet: string;
  payslips: { employeeId: string; name: string; gross: string; deductions: string; net: string }[];
}

const thisMonth = () => new Date().toISOString().slice(0, 7);

export function SalaryRuns({ session }: { session: Session }) {
  const list = useLoad(() => call<{ items: SalaryRun[] }>('payroll', '/api/salary-runs?limit=24'), []);
  const [period, setPeriod] = useState(thisMonth);
  const [error, setError] = useState<Error>();
  const act = async (action: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await action();
      list.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  const create = (e: FormEvent) => {
    e.preventDefault();
    void act(() => call('payroll', '/api/salary-runs', { body: { period }, idempotencyKey: true }));
  };
  const writer = can(session, 'payroll:write');
  return (
    <>
      {writer && (
        <Section title="New salary run">
          <form onSubmit={create} className="inline-form" aria-label="New salary run">
            <label>
              Month
              <input
                name="period"
                type="month"
                value={period}
                onChange={(e) => setPeriod(e.target.value)}
                required
              />
            </label>
            <button type="submit">Compute payslips</button>
          </form>
        </Section>
      )}
      <ErrorBox error={error ?? list.error} />
      {list.loading && !list.data ? <Loading what="salary runs" /> : null}
      {(list.data?.items ?? []).map((run) => (
        <Section
          key={run.id}
          title={`Salary run ${run.period}`}
          actions={
            <span className="actions">
              <Badge value={run.posted ? 'posted' : run.status} />
              {writer && run.status === 'draft' && (
                <button
                  type="button"
                  onClick={() =>
                    act(() => call('payroll', `/api/salary-runs/${run.id}/post`, { method: 'POST' }))
                  }
                >
                  Post
                </button>
              )}
            </span>
          }
        >
          <p>
            Gross {money(run.totalGross)} · deductions {money(run.totalDeductions)} · net{' '}
            {money(run.totalNet)}
          </p>
          <Table
            label={`Payslips ${run.period}`}
            rows={run.payslips}
            empty="No payslips."
            columns={[
              { title: 'Employee', cell: (p) => p.name },
              { title: 'Gross', cell: (p) => money(p.gross) },
              { title: 'Deductions', cell: (p) => money(p.deductions) },
              { title: 'Net', cell: (p) => money(p.net) },
            ]}
          />
        </Section>
      ))}
    </>
  );
}
