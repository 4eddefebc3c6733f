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
 * traced unit of work, in and out of transactions. Used only when tracing is on. Plain wrappers
 * rather than a Proxy: every statement goes through here, and a Proxy's trap made a closure (and
 * bound a method) on every property read.
 */
export function tracedDb(db: Db): Db {
  const wrapTx = (tx: Tx): Tx => ({
    query: <T = Row>(sql: string, params?: readonly unknown[]) => query<T>(db, tx, sql, params),
    exec: (sql) => tx.exec(sql),
    afterCommit: (fn) => tx.afterCommit(fn),
    beforeCommit: (build) => tx.beforeCommit(build),
  });
  return {
    kind: db.kind,
    service: db.service,
    query: <T = Row>(sql: string, params?: readonly unknown[]) => query<T>(db, db, sql, params),
    exec: (sql) => db.exec(sql),
    transaction: <T>(fn: (tx: Tx) => Promise<T>) => db.transaction((tx) => fn(wrapTx(tx))),
    ping: () => db.ping(),
    ...(db.openSession ? { openSession: () => db.openSession!() } : {}),
    close: () => db.close(),
  };
}
