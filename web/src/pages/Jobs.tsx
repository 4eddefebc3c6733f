import { useState } from 'react';
import { ApiError, call, type Service } from '../api';
import { Badge, ErrorBox, Loading, Section, Table, when } from '../components';
import { useLoad } from '../hooks';

/** An operator's view of one organization (`?organizationId=`), or of all when none is picked. */
export const forOrganization = (path: string, organizationId: string | undefined): string =>
  organizationId
    ? `${path}${path.includes('?') ? '&' : '?'}organizationId=${encodeURIComponent(organizationId)}`
    : path;

interface Recurring {
  name: string;
  cron: string;
  timezone: string;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastState: string | null;
}
interface Job {
  id: string;
  queue: string;
  state: string;
  data: unknown;
  startAfter: string | null;
  attempts: number;
  error: string | null;
}
interface Saga {
  id: string;
  type: string;
  status: string;
  steps?: { name: string; status: string; attempts: number; at: string }[];
  updatedAt?: string;
}

/** A list a service may not have at all (no jobs, no sagas): 404 reads as "none here". */
async function optional<T>(load: Promise<{ items: T[] }>): Promise<T[] | null> {
  try {
    return (await load).items;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

const STATES = ['failed', 'scheduled', 'active', 'completed', 'cancelled'];

export function Jobs({ service, organizationId }: { service: Service; organizationId?: string | undefined }) {
  const recurring = useLoad(
    () =>
      optional(
        call<{ items: Recurring[] }>(service, forOrganization('/api/ops/jobs/recurring', organizationId)),
      ),
    [service, organizationId],
  );
  const [state, setState] = useState('failed');
  const jobs = useLoad(
    () =>
      optional(
        call<{ items: Job[] }>(
          service,
          forOrganization(`/api/ops/jobs?state=${state}&limit=50`, organizationId),
        ),
      ),
    [service, state, organizationId],
  );
  const [error, setError] = useState<Error>();
  const act = async (path: string) => {
    setError(undefined);
    try {
      await call(service, path, { method: 'POST' });
      recurring.reload();
      jobs.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  if (recurring.data === null && jobs.data === null) return null;
  return (
    <Section
      title={`Jobs: ${service}`}
      actions={
        <button type="button" className="secondary" onClick={() => (recurring.reload(), jobs.reload())}>
          Refresh
        </button>
      }
    >
      <ErrorBox error={error ?? recurring.error ?? jobs.error} />
      <h3>Recurring</h3>
      {recurring.loading && !recurring.data ? (
        <Loading what="recurring jobs" />
      ) : (
        <Table
          label={`Recurring jobs ${service}`}
          rows={recurring.data ?? []}
          empty="No recurring jobs."
          columns={[
            { title: 'Name', cell: (r) => r.name },
            { title: 'Schedule', cell: (r) => `${r.cron} (${r.timezone})` },
            { title: 'Next run', cell: (r) => when(r.nextRunAt) },
            { title: 'Last run', cell: (r) => when(r.lastRunAt) },
            { title: 'Last outcome', cell: (r) => (r.lastState ? <Badge value={r.lastState} /> : '—') },
            {
              title: 'Actions',
              cell: (r) => (
                <button
                  type="button"
                  onClick={() => act(`/api/ops/jobs/recurring/${encodeURIComponent(r.name)}/trigger`)}
                >
                  Trigger now
                </button>
              ),
            },
          ]}
        />
      )}
      <h3>
        <label>
          Jobs in state
          <select value={state} onChange={(e) => setState(e.target.value)}>
            {STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </h3>
      {jobs.loading && !jobs.data ? (
        <Loading what="jobs" />
      ) : (
        <Table
          label={`Jobs ${service}`}
          rows={jobs.data ?? []}
          empty={`No ${state} jobs.`}
          columns={[
            { title: 'Queue', cell: (j) => j.queue },
            { title: 'State', cell: (j) => <Badge value={j.state} /> },
            { title: 'Runs at', cell: (j) => when(j.startAfter) },
            { title: 'Attempts', cell: (j) => j.attempts },
            { title: 'Error', cell: (j) => j.error ?? '' },
            {
              title: 'Actions',
              cell: (j) => (
                <span className="actions">
                  {j.state === 'failed' && (
                    <button type="button" onClick={() => act(`/api/ops/jobs/${j.id}/retry`)}>
                      Retry
                    </button>
                  )}
                  {j.state === 'scheduled' && (
                    <>
                      <button type="button" onClick={() => act(`/api/ops/jobs/${j.id}/run-now`)}>
                        Run now
                      </button>
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => act(`/api/ops/jobs/${j.id}/cancel`)}
                      >
                        Cancel
                      </button>
                    </>
                  )}
                </span>
              ),
            },
          ]}
        />
      )}
    </Section>
  );
}

export function Sagas({
  service,
  organizationId,
}: {
  service: Service;
  organizationId?: string | undefined;
}) {
  const sagas = useLoad(
    () =>
      optional(call<{ items: Saga[] }>(service, forOrganization('/api/ops/sagas?limit=50', organizationId))),
    [service, organizationId],
  );
  if (sagas.data === null) return null;
  return (
    <Section
      title={`Sagas: ${service}`}
      actions={
        <button type="button" className="secondary" onClick={sagas.reload}>
          Refresh
        </button>
      }
    >
      <ErrorBox error={sagas.error} />
      {sagas.loading && !sagas.data ? (
        <Loading what="sagas" />
      ) : (
        <Table
          label={`Sagas ${service}`}
          rows={sagas.data ?? []}
          empty="No saga instances."
          columns={[
            { title: 'Type', cell: (s) => s.type },
            { title: 'Status', cell: (s) => <Badge value={s.status} /> },
            {
              title: 'Steps',
              cell: (s) =>
                (s.steps ?? []).map((step) => `${step.name}: ${step.status} ×${step.attempts}`).join(' → '),
            },
            {
              title: 'Id',
              cell: (s) => (s.type.includes('payment') ? <a href={`#/payments/${s.id}`}>{s.id}</a> : s.id),
            },
          ]}
        />
      )}
    </Section>
  );
}
