import { trace } from '@opentelemetry/api';
import type { Db, QueryResult, Queryable, Row, Tx } from '../data/db.js';
import { SpanKind, activeTraceContext, inSpan } from './tracing.js';

const MAX_STATEMENT = 1_000;

/** Only statements run for a traced request or message get a span: the relay's and consumers' idle polls would flood the trace store. */
function traced(): boolean {
  return trace.getSpan(activeTraceContext())?.isRecording() === true;
}

function query<T>(
  db: Db,
  target: Queryable,
  sql: string,
  params: readonly unknown[] | undefined,
): Promise<QueryResult<T>> {
  if (!traced()) return target.query<T>(sql, params);
  const operation = /^\s*(?:WITH\b[\s\S]*?\)\s*)?([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? 'SQL';
  return inSpan(
    db.service,
    `${operation} ${db.service}`,
    {
      kind: SpanKind.CLIENT,
      attributes: () => ({
        'db.system.name': db.kind === 'postgres' ? 'postgresql' : 'pglite',
        'db.namespace': db.service,
        'db.operation.name': operation,
        'db.query.text': sql.length > MAX_STATEMENT ? `${sql.slice(0, MAX_STATEMENT)}…` : sql,
      }),
    },
    () => target.query<T>(sql, params),
  );
}

/**
 * The database with a client span (database semantic conventions) around each statement of a
 * traced unit of work, in and out of transactions. Used only when tracing is on.
 */
export function tracedDb(db: Db): Db {
  const wrapTx = (tx: Tx): Tx =>
    new Proxy(tx, {
      get(target, key, receiver) {
        if (key === 'query')
          return <T = Row>(sql: string, params?: readonly unknown[]) => query<T>(db, target, sql, params);
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  return new Proxy(db, {
    get(target, key, receiver) {
      if (key === 'query')
        return <T = Row>(sql: string, params?: readonly unknown[]) => query<T>(db, target, sql, params);
      if (key === 'transaction')
        return <T>(fn: (tx: Tx) => Promise<T>) => target.transaction((tx) => fn(wrapTx(tx)));
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
