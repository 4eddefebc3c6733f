import { Component, type ReactNode } from 'react';
import { ApiError, can, type Session } from './api';
import type { Loaded } from './hooks';

/** An API error as people read it: the problem's title, then its detail. */
export function ErrorBox({ error }: { error: Error | undefined }) {
  if (!error) return null;
  const title = error instanceof ApiError ? error.title : 'Something went wrong';
  const detail = error instanceof ApiError ? error.detail : error.message;
  return (
    <div className="error" role="alert">
      <strong>{title}</strong>
      {detail ? <p>{detail}</p> : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Section({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className="card" aria-label={title}>
      <header className="card-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function Badge({ value }: { value: string }) {
  return <span className={`badge badge-${value.replace(/[^a-z-]/g, '')}`}>{value}</span>;
}

export interface Column<T> {
  title: string;
  cell(row: T): ReactNode;
}

/** A table that turns into stacked cards at phone width (see styles.css). */
export function Table<T>({
  rows,
  columns,
  empty,
  label,
}: {
  rows: T[];
  columns: Column<T>[];
  empty: string;
  label: string;
}) {
  if (rows.length === 0) return <p className="empty">{empty}</p>;
  return (
    <table aria-label={label}>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.title} scope="col">
              {c.title}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          <tr key={i}>
            {columns.map((c) => (
              <td key={c.title} data-label={c.title}>
                {c.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// Intl formats the decimal string itself (exact), never a float made of it.
const rupees = new Intl.NumberFormat('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
export const money = (value: string | number): string => `₹ ${rupees.format(value as number)}`;

export { when } from './zone';

/**
 * A section showing something loaded: a Refresh button, the problem when loading failed, a loading
 * note until the first answer, then `children` with the data.
 */
export function LoadedSection<T>({
  title,
  loaded,
  what,
  children,
}: {
  title: string;
  loaded: Loaded<T>;
  what: string;
  children(data: T): ReactNode;
}) {
  return (
    <Section
      title={title}
      actions={
        <button type="button" className="secondary" onClick={loaded.reload}>
          Refresh
        </button>
      }
    >
      <ErrorBox error={loaded.error} />
      {loaded.data !== undefined ? children(loaded.data) : loaded.loading ? <Loading what={what} /> : null}
    </Section>
  );
}

/**
 * A loaded list (invoices, bills, runs, mails) as a table under its own Refresh: `label` names the
 * table when it differs from the section's title.
 */
export function ListSection<T>({
  title,
  label = title,
  loaded,
  what,
  empty,
  columns,
}: {
  title: string;
  label?: string;
  loaded: Loaded<{ items: T[] }>;
  what: string;
  empty: string;
  columns: Column<T>[];
}) {
  return (
    <LoadedSection title={title} loaded={loaded} what={what}>
      {(data) => <Table label={label} rows={data.items} empty={empty} columns={columns} />}
    </LoadedSection>
  );
}

/**
 * The link from a document to the timeline of its correlation id (for those who read operations).
 * The console sends every later action on a document with that id, so the timeline holds its life.
 */
export function TimelineLink({
  correlationId,
  what,
  session,
}: {
  correlationId: string | null | undefined;
  what: string;
  session: Session;
}) {
  if (!correlationId || !can(session, 'ops:read')) return null;
  return <a href={`#/timeline/${encodeURIComponent(correlationId)}`}>Timeline of {what}</a>;
}

/**
 * A page that throws while rendering shows what went wrong instead of a blank window; the rest of
 * the console (the navigation) stays usable. Keyed by the route, so moving on starts afresh.
 */
export class PageErrorBoundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="error" role="alert">
        <strong>This page could not be shown</strong>
        <p>{this.state.error.message}</p>
      </div>
    );
  }
}
