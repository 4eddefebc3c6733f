import { ApiError, SERVICES, call } from '../api';
import { ErrorBox, Loading, Section, Table, when } from '../components';
import { useLoad } from '../hooks';
import { sentenceOf, type TraceEntry as Entry } from '../sentences';

/**
 * One correlation id across every service: each service's own record, merged in time order, each
 * entry a sentence with its raw record one click away.
 */
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
          {sentences(trace.data?.entries ?? []).map(({ entry: e, sentence }, i) => (
            <li key={i} className={`svc-${e.service}`}>
              <time dateTime={e.at}>{when(e.at)}</time>{' '}
              <span className="sentence">
                <strong>{e.service}</strong> {sentence}
              </span>
              <details>
                <summary>Raw record</summary>
                <pre>{JSON.stringify({ action: e.action, ...e.detail }, null, 2)}</pre>
              </details>
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

/** Each entry with its sentence (in time order, so a number is known before it is referred to). */
function sentences(entries: Entry[]) {
  const names = new Map<string, string>();
  return entries.map((entry) => ({ entry, sentence: sentenceOf(entry, names) }));
}
