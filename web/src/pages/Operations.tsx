import { useState } from 'react';
import { SERVICES, call, can, type Service, type Session } from '../api';
import { Badge, ErrorBox, Loading, Section, Table, when } from '../components';
import { useGet, useLoad } from '../hooks';
import { Jobs, Sagas, forOrganization } from './Jobs';

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

interface MailDelivery {
  state: 'up' | 'down';
  since: string;
  changedBy: string | null;
  transport: string;
}

/** Notification's switch: stop mail delivery (every mail fails, retries, then dead-letters) or restore it. */
function MailDeliveryControl() {
  const status = useGet<MailDelivery>('notification', '/api/ops/mail-delivery');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const switchTo = async (state: MailDelivery['state']) => {
    setError(undefined);
    setBusy(true);
    try {
      await call('notification', '/api/ops/mail-delivery', { method: 'PUT', body: { state } });
      status.reload();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const s = status.data;
  return (
    <Section title="Mail delivery">
      <ErrorBox error={error ?? status.error} />
      {status.loading && !s ? <Loading what="mail delivery" /> : null}
      {s && (
        <div className="inline-form">
          <span>
            Delivery <Badge value={s.state} /> ({s.transport}) since {when(s.since)}
          </span>
          {s.state === 'up' ? (
            <button type="button" className="danger" disabled={busy} onClick={() => switchTo('down')}>
              Stop mail delivery
            </button>
          ) : (
            <button type="button" disabled={busy} onClick={() => switchTo('up')}>
              Restore mail delivery
            </button>
          )}
        </div>
      )}
    </Section>
  );
}

/**
 * Dead letters of one service, grouped by what failed (category and message type): replay or
 * discard one, or replay a whole group (the same filter the API replays by).
 */
function DeadLetters({ service, organizationId }: { service: Service; organizationId?: string | undefined }) {
  const list = useLoad(
    () =>
      call<{ items: DeadLetter[] }>(
        service,
        forOrganization('/api/ops/dead-letters?status=open&limit=200', organizationId),
      ),
    [service, organizationId],
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
  const groups = new Map<string, { filter: { category: string; type?: string }; items: DeadLetter[] }>();
  for (const dl of list.data?.items ?? []) {
    const key = `${dl.category} · ${dl.type ?? 'unreadable'}`;
    const group = groups.get(key) ?? {
      filter: { category: dl.category, ...(dl.type ? { type: dl.type } : {}) },
      items: [],
    };
    group.items.push(dl);
    groups.set(key, group);
  }

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
      {[...groups].map(([name, { filter, items }]) => (
        <div key={name} className="group" role="group" aria-label={`Group ${name}`}>
          <h3>
            {name} ({items.length}){' '}
            <button type="button" onClick={() => act('/replay', 'POST', filter)}>
              Replay group
            </button>
          </h3>
          <Table
            label={`Dead letters ${name}`}
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

export function Operations({ session }: { session: Session }) {
  const [service, setService] = useState<Service>('sales');
  // Operators see every organization's; `?organizationId=` narrows the ops lists to one.
  const operator = session.roles.includes('operator');
  const [organization, setOrganization] = useState('');
  const organizationId = operator && UUID.test(organization.trim()) ? organization.trim() : undefined;
  return (
    <>
      <Health />
      {can(session, 'ops:mail-delivery') && <MailDeliveryControl />}
      <div className="pickers">
        <label className="picker">
          Service
          <select value={service} onChange={(e) => setService(e.target.value as Service)}>
            {SERVICES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        {operator && (
          <label className="picker">
            Organization (id; empty for all)
            <input
              name="organizationId"
              value={organization}
              onChange={(e) => setOrganization(e.target.value)}
              placeholder="all organizations"
            />
          </label>
        )}
      </div>
      <DeadLetters service={service} organizationId={organizationId} />
      <Jobs service={service} organizationId={organizationId} />
      <Sagas service={service} organizationId={organizationId} />
    </>
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
