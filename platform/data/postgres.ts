import pg from 'pg';
import type { Logger } from 'pino';
import type { Db, QueryResult, Row, Session, Statement, Tx } from './db.js';
import { runAfterCommit } from './after-commit.js';
import { assertServiceName, quoteIdent } from './identifiers.js';
import { StatementNames } from './statement-names.js';
import { pgTypeParsers } from './types.js';

export interface PostgresOptions {
  /** Any database on the server (usually `postgres`): used to create the service's database. */
  serverUrl: string;
  service: string;
  /** The service's database is `<prefix>_<service>`. */
  databasePrefix?: string;
  poolSize?: number;
  log?: Logger;
}

const DUPLICATE_DATABASE = '42P04';
const UNIQUE_VIOLATION = '23505';
const CONNECT_TIMEOUT_MS = 10_000;
const PING_TIMEOUT_MS = 3_000;

/** A unique or primary key refused the write (SQLSTATE 23505, the same on PGlite). */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === UNIQUE_VIOLATION;
}

/** The name of a service's database on a PostgreSQL server. */
export function serviceDatabaseName(service: string, databasePrefix = 'dhanman'): string {
  assertServiceName(service);
  return `${databasePrefix}_${service}`;
}

/**
 * Opens the service's own database on a PostgreSQL server, creating it on first use. Two processes
 * starting at once may both try to create it; the loser's error is expected and ignored.
 */
export async function openPostgres(opts: PostgresOptions): Promise<Db> {
  const database = serviceDatabaseName(opts.service, opts.databasePrefix);
  await ensureDatabase(opts.serverUrl, database, opts.log);
  const pool = new pg.Pool({
    connectionString: databaseUrl(opts.serverUrl, database),
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: `dhanman-${opts.service}`,
    types: pgTypeParsers(),
    // Statements may be sent before the previous one's answer arrives (see `transaction`).
    pipeline: true,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (err) => opts.log?.warn({ err }, 'idle PostgreSQL connection failed'));
  // A client checked out of the pool (a transaction in progress) has no listener of the pool's: when
  // the server goes away (a restart, a failover) its 'error' event would end the process. Its
  // query rejects anyway and the transaction's caller sees that; this only keeps the process up.
  pool.on('connect', (client) => {
    client.on('error', (err) => opts.log?.warn({ err }, 'PostgreSQL connection failed while in use'));
  });
  return new PostgresDb(pool, opts.service, opts.log);
}

/** The server URL pointed at another database, keeping credentials, host and options. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export async function ensureDatabase(serverUrl: string, database: string, log?: Logger): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
      log?.info({ database }, 'database created');
    } catch (err) {
      const code = (err as { code?: string }).code;
      // 42P04: it exists by now; 23505: a concurrent CREATE DATABASE won the race on pg_database.
      if (code !== DUPLICATE_DATABASE && !isUniqueViolation(err)) throw err;
    }
  } finally {
    await client.end();
  }
}

function toResult<T>(result: pg.QueryResult): QueryResult<T> {
  return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
}

class PostgresDb implements Db {
  readonly kind = 'postgres' as const;
  private readonly statements = new StatementNames();

  constructor(
    private readonly pool: pg.Pool,
    readonly service: string,
    private readonly log?: Logger,
  ) {}

  async query<T = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    return toResult<T>(await this.run(this.pool, sql, params));
  }

  private async run(
    on: pg.Pool | pg.PoolClient,
    sql: string,
    params: readonly unknown[] | undefined,
  ): Promise<pg.QueryResult> {
    const name = this.statements.nameOf(sql, params);
    const values = params as unknown[] | undefined;
    try {
      return await (name ? on.query({ name, text: sql, values }) : on.query(sql, values));
    } catch (err) {
      if (name) this.statements.noteFailure(sql, err);
      throw err;
    }
  }

  async exec(sql: string): Promise<void> {
    // A dedicated client: if the text opens a transaction and fails half-way, roll it back before
    // the connection goes back to the pool instead of handing out an aborted transaction.
    const client = await this.pool.connect();
    try {
      await client.query(sql);
      client.release();
    } catch (err) {
      await rollbackAndRelease(client);
      throw err;
    }
  }

  /**
   * BEGIN goes out with the transaction's first statement, in one write on a pipelined
   * connection, and a transaction that ran no statement sends neither BEGIN nor COMMIT. A round
   * trip costs more CPU here than a short statement's work, so this saves a third of a
   * one-statement transaction (the outbox write of a business operation, say).
   */
  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const callbacks: Array<() => void> = [];
    const finals: Array<() => Statement> = [];
    let open = true;
    let begun = false;
    const guard = (): void => {
      if (!open) throw new Error('transaction already finished: use it only inside its callback');
    };
    const send = async (sql: string, params?: readonly unknown[]): Promise<pg.QueryResult> => {
      guard();
      if (begun) return this.run(client, sql, params);
      begun = true;
      const stream = streamOf(client);
      stream?.cork();
      let begin: Promise<unknown>;
      let first: Promise<pg.QueryResult>;
      try {
        begin = client.query('BEGIN');
        first = this.run(client, sql, params);
      } finally {
        stream?.uncork();
      }
      const [b, f] = await Promise.allSettled([begin, first]);
      if (b.status === 'rejected') throw b.reason;
      if (f.status === 'rejected') throw f.reason;
      return f.value;
    };
    const tx: Tx = {
      query: async <R = Row>(sql: string, params?: readonly unknown[]) =>
        toResult<R>(await send(sql, params)),
      exec: async (sql: string) => {
        await send(sql);
      },
      afterCommit: (callback) => {
        guard();
        callbacks.push(callback);
      },
      beforeCommit: (build) => {
        guard();
        finals.push(build);
      },
    };
    let result: T;
    try {
      result = await fn(tx);
      if (finals.length > 0) {
        const statements = finals.map((build) => build());
        const first = begun;
        begun = true;
        await this.commitWith(client, first ? [] : ['BEGIN'], statements);
      } else if (begun) await client.query('COMMIT');
    } catch (err) {
      open = false;
      if (begun) await rollbackAndRelease(client);
      else client.release();
      throw err;
    }
    open = false;
    client.release();
    runAfterCommit(callbacks, this.log);
    return result;
  }

  /** `statements` and the COMMIT (after a BEGIN not yet sent) in one write, checked in order. */
  private async commitWith(client: pg.PoolClient, before: string[], statements: Statement[]): Promise<void> {
    const stream = streamOf(client);
    stream?.cork();
    const sent: Promise<unknown>[] = [];
    try {
      for (const sql of before) sent.push(client.query(sql));
      for (const s of statements) sent.push(this.run(client, s.sql, s.params));
      // A COMMIT after a failed statement answers ROLLBACK without an error: the checks below see it.
      sent.push(client.query('COMMIT'));
    } finally {
      stream?.uncork();
    }
    for (const outcome of await Promise.allSettled(sent)) {
      if (outcome.status === 'rejected') throw outcome.reason;
    }
  }

  async openSession(): Promise<Session> {
    const client = new pg.Client({
      connectionString: this.pool.options.connectionString,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: `dhanman-${this.service}-session`,
      types: pgTypeParsers(),
    });
    let markLost!: (err: Error) => void;
    const lost = new Promise<Error>((resolve) => (markLost = resolve));
    client.on('error', (err) => {
      this.log?.warn({ err }, 'dedicated PostgreSQL session failed');
      markLost(err);
    });
    client.on('end', () => markLost(new Error('session ended')));
    await client.connect();
    return {
      lost,
      query: async <R = Row>(sql: string, params?: readonly unknown[]) =>
        toResult<R>(await client.query(sql, params as unknown[] | undefined)),
      close: () => client.end(),
    };
  }

  async ping(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.pool.query('SELECT 1').then(() => true), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (!this.pool.ended && !this.pool.ending) await this.pool.end();
  }
}

/** The client's socket, to send several protocol messages in one write (pg keeps it internal). */
function streamOf(client: pg.PoolClient): { cork(): void; uncork(): void } | undefined {
  const stream = (client as unknown as { connection?: { stream?: { cork?: unknown; uncork?: unknown } } })
    .connection?.stream;
  return stream && typeof stream.cork === 'function' && typeof stream.uncork === 'function'
    ? (stream as { cork(): void; uncork(): void })
    : undefined;
}

async function rollbackAndRelease(client: pg.PoolClient): Promise<void> {
  try {
    await client.query('ROLLBACK');
    client.release();
  } catch (err) {
    // The connection is unusable: destroy it rather than return it to the pool.
    client.release(err instanceof Error ? err : new Error(String(err)));
  }
}
