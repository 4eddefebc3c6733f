import { ApiError, SERVICES, call } from '../api';
import { ErrorBox, Loading, Section, Table, when } from '../components';
import { useLoad } from '../hooks';

interface Entry {
  at: string;
  service: string;
  action: string;
  detail: Record<string, unknown>;
}

/** One correlation id across every service: each service's own record, merged in time order. */
export function Timeline({ correlationId }: { correlationId: string }) {
  const trace = useLoad(async () => {
    const parts = await Promise.allSettled(
      SERVICES.map((s) =>
        call<{ entries: Entry[] }>(s, `/api/ops/trace/${encodeURIComponent(correlationId)}`).catch((err) => {
          // A service that keeps no record of its own yet has nothing to add.
          if (err instanceof ApiError && err.status === 404) return { entries: [] };
          throw err;
        }),
      ),
    );
    const entries = parts.flatMap((p) => (p.status === 'fulfilled' ? p.value.entries : []));
    const failed = parts.flatMap((p, i) => (p.status === 'rejected' ? [SERVICES[i]] : []));
    entries.sort((a, b) => a.at.localeCompare(b.at));
    return { entries, failed };
  }, [correlationId]);

  return (
    <Section
      title={`Timeline ${correlationId}`}
      actions={
        <button type="button" className="secondary" onClick={trace.reload}>
          Refresh
        </button>
      }
    >
      <ErrorBox error={trace.error} />
      {trace.data && trace.data.failed.length > 0 && (
        <p className="error">Not reachable: {trace.data.failed.join(', ')}</p>
      )}
      {trace.loading && !trace.data ? (
        <Loading what="the timeline" />
      ) : (
        <ol className="timeline" aria-label="Timeline">
          {(trace.data?.entries ?? []).map((e, i) => (
            <li key={i} className={`svc-${e.service}`}>
              <time dateTime={e.at}>{when(e.at)}</time> <strong>{e.service}</strong> {e.action}
              <code>{JSON.stringify(e.detail)}</code>
            </li>
          ))}
        </ol>
      )}
      {trace.data && trace.data.entries.length === 0 && (
        <Table label="Timeline" rows={[]} columns={[]} empty="Nothing recorded for this id." />
      )}
    </Section>
  );
}
