import { useState } from 'react';
import { SERVICES, call, type Service } from '../api';
import { Badge, ErrorBox, Loading, Section, Table, when } from '../components';
import { useLoad } from '../hooks';
import { Jobs, Sagas } from './Jobs';

interface DeadLetter {
  id: string;
  type: string | null;
  category: string;
  reason: string;
  attempts: number;
  status: string;
  deadLetteredAt: string;
}

function Health() {
  const health = useLoad(
    () =>
      Promise.all(
        SERVICES.map(async (s) => {
          try {
            await call(s, '/health/ready');
            return { service: s, ready: true, detail: '' };
          } catch (err) {
            return { service: s, ready: false, detail: (err as Error).message };
          }
        }),
      ),
    [],
  );
  return (
    <Section
      title="Service health"
      actions={
        <button type="button" className="secondary" onClick={health.reload}>
          Refresh
        </button>
      }
    >
      {health.loading && !health.data ? (
        <Loading what="health" />
      ) : (
        <Table
          label="Service health"
          rows={health.data ?? []}
          empty="No services."
          columns={[
            { title: 'Service', cell: (h) => h.service },
            { title: 'Ready', cell: (h) => <Badge value={h.ready ? 'ready' : 'down'} /> },
            { title: 'Detail', cell: (h) => h.detail },
          ]}
        />
      )}
    </Section>
  );
}

/** Dead letters of one service, grouped by reason: replay or discard one, or replay a group. */
function DeadLetters({ service }: { service: Service }) {
  const list = useLoad(
    () => call<{ items: DeadLetter[] }>(service, '/api/ops/dead-letters?status=open&limit=200'),
    [service],
  );
  const [error, setError] = useState<Error>();
  const act = async (path: string, method: string, body?: unknown) => {
    setError(undefined);
    try {
      await call(service, `/api/ops/dead-letters${path}`, { method, body });
      list.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  const groups = new Map<string, DeadLetter[]>();
  for (const dl of list.data?.items ?? []) groups.set(dl.category, [...(groups.get(dl.category) ?? []), dl]);

  return (
    <Section
      title={`Dead letters: ${service}`}
      actions={
        <button type="button" className="secondary" onClick={list.reload}>
          Refresh
        </button>
      }
    >
      <ErrorBox error={error ?? list.error} />
      {list.loading && !list.data ? <Loading what="dead letters" /> : null}
      {list.data && groups.size === 0 ? <p className="empty">No open dead letters.</p> : null}
      {[...groups].map(([category, items]) => (
        <div key={category} className="group" aria-label={`Group ${category}`}>
          <h3>
            {category} ({items.length}){' '}
            <button type="button" onClick={() => act('/replay', 'POST', { category })}>
              Replay group
            </button>
          </h3>
          <Table
            label={`Dead letters ${category}`}
            rows={items}
            empty=""
            columns={[
              { title: 'Type', cell: (d) => d.type ?? '—' },
              { title: 'Reason', cell: (d) => d.reason },
              { title: 'Attempts', cell: (d) => d.attempts },
              { title: 'When', cell: (d) => when(d.deadLetteredAt) },
              {
                title: 'Actions',
                cell: (d) => (
                  <span className="actions">
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => act(`/${d.id}/replay`, 'POST')}
                    >
                      Replay
                    </button>
                    <button type="button" className="secondary" onClick={() => act(`/${d.id}`, 'DELETE')}>
                      Discard
                    </button>
                  </span>
                ),
              },
            ]}
          />
        </div>
      ))}
    </Section>
  );
}

export function Operations() {
  const [service, setService] = useState<Service>('sales');
  return (
    <>
      <Health />
      <label className="picker">
        Service
        <select value={service} onChange={(e) => setService(e.target.value as Service)}>
          {SERVICES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      <DeadLetters service={service} />
      <Jobs service={service} />
      <Sagas service={service} />
    </>
  );
}
