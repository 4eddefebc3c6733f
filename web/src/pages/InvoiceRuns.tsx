import { useState, type FormEvent } from 'react';
import { call, can, type Session } from '../api';
import { Badge, ErrorBox, LoadedSection, Section, Table, TimelineLink, when } from '../components';
import { useLoad } from '../hooks';

interface InvoiceRun {
  id: string;
  period: string;
  status: string;
  residents: number;
  created: number;
  skipped: number;
  failed: number;
  failures: { residentId: string; reason: string }[];
  startedAt: string;
  finishedAt: string | null;
}

const thisMonth = () => new Date().toISOString().slice(0, 7);

export function InvoiceRuns({ session }: { session: Session }) {
  const list = useLoad(() => call<{ items: InvoiceRun[] }>('sales', '/api/invoice-runs?limit=24'), []);
  const [period, setPeriod] = useState(thisMonth);
  const [error, setError] = useState<Error>();
  const start = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      await call('sales', '/api/invoice-runs', { body: { period }, idempotencyKey: true });
      list.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <>
      {can(session, 'invoices:write') && (
        <Section title="Start a monthly run">
          <form onSubmit={start} className="inline-form" aria-label="Start a monthly run">
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
            <button type="submit">Start run</button>
            <ErrorBox error={error} />
          </form>
        </Section>
      )}
      <LoadedSection title="Monthly runs" loaded={list} what="runs">
        {(data) => (
          <Table
            label="Monthly runs"
            rows={data.items}
            empty="No runs yet."
            columns={[
              { title: 'Month', cell: (r) => r.period },
              { title: 'Status', cell: (r) => <Badge value={r.status} /> },
              { title: 'Residents', cell: (r) => r.residents },
              { title: 'Created', cell: (r) => r.created },
              { title: 'Skipped', cell: (r) => r.skipped },
              {
                title: 'Failed',
                cell: (r) =>
                  r.failures.length === 0 ? (
                    r.failed
                  ) : (
                    <details>
                      <summary>{r.failed}</summary>
                      <ul>
                        {r.failures.map((f) => (
                          <li key={f.residentId}>{f.reason}</li>
                        ))}
                      </ul>
                    </details>
                  ),
              },
              { title: 'Started', cell: (r) => when(r.startedAt) },
              { title: 'Finished', cell: (r) => when(r.finishedAt) },
              {
                // A run's invoices, their postings and mails all carry the run's id.
                title: 'Timeline',
                cell: (r) => <TimelineLink correlationId={r.id} what={`run ${r.period}`} session={session} />,
              },
            ]}
          />
        )}
      </LoadedSection>
    </>
  );
}
