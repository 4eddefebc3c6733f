/**
 * The one data interface every service sees. Two implementations stand behind it:
 * PostgreSQL through `pg` (one database per service) and PGlite (one in-process
 * instance, one schema per service). The SQL is the same for both.
 */
export type Row = Record<string, unknown>;

export interface QueryResult<T = Row> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  /** One statement with `$1..$n` parameters. */
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
}

/** A statement with its parameters, built now and sent later. */
export interface Statement {
  sql: string;
  params: readonly unknown[];
}

/** A transaction in progress. Work registered with `afterCommit` runs only once the commit succeeded. */
export interface Tx extends Queryable {
  afterCommit(fn: () => void): void;
  /**
   * A statement sent last, with the COMMIT (in the same write on PostgreSQL): rows gathered over
   * the transaction written once, such as its outbox messages. `build` runs at commit time; a
   * failing statement fails the commit, like any other in the transaction.
   */
  beforeCommit(build: () => Statement): void;
  /** Several statements without parameters, inside this transaction (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** The service that owns this database (its schema on PGlite, its database on PostgreSQL). */
  readonly service: string;
  /** Runs `fn` in one transaction: all of its writes commit together or none do. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Several statements without parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  /**
   * A connection of its own, outside the pool, for session state that must last as long as the
   * process (an advisory lock that says it is alive). PostgreSQL only: PGlite has one session.
   */
  openSession?(): Promise<Session>;
  close(): Promise<void>;
}

/** A dedicated connection; `lost` settles when it breaks (its session state is gone with it). */
export interface Session extends Queryable {
  readonly lost: Promise<Error>;
  close(): Promise<void>;
}
