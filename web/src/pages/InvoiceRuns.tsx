import { call, can, type Session } from '../api';
import { Badge, ListSection, Section, TimelineLink, when } from '../components';
import { MonthRunForm } from '../forms';
import { useGet } from '../hooks';

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

export function InvoiceRuns({ session }: { session: Session }) {
  const list = useGet<{ items: InvoiceRun[] }>('sales', '/api/invoice-runs?limit=24');
  return (
    <>
      {can(session, 'invoices:write') && (
        <Section title="Start a monthly run">
          <MonthRunForm
            label="Start a monthly run"
            submit="Start run"
            start={(period, key) =>
              call('sales', '/api/invoice-runs', { body: { period }, idempotencyKey: key })
            }
            onStarted={list.reload}
          />
        </Section>
      )}
      <ListSection
        title="Monthly runs"
        loaded={list}
        what="runs"
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
    </>
  );
}
