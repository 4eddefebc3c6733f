import { AsyncLocalStorage } from 'node:async_hooks';
import type { PGlite, Results } from '@electric-sql/pglite';
import type { Logger } from 'pino';
import type { Db, QueryResult, Row, Statement, Tx } from './db.js';
import { runAfterCommit } from './after-commit.js';
import { assertServiceName, quoteIdent } from './identifiers.js';
import { ServiceTurns } from './pglite-turns.js';
import { PreparedStatements, type StatementPlace } from './pglite-prepared.js';
import { boot, type EmbeddedOrigin } from './pglite-boot.js';

export interface EmbeddedOptions {
  /** A directory (created if missing, kept across restarts) or `memory://`. */
  dataDir: string;
  log?: Logger;
  /**
   * Where the tarball of a fresh cluster is cached (default: the OS temp directory), so that a new
   * data directory or `memory://` starts from it instead of running initdb; false: always initdb.
   */
  template?: string | false;
}

export type { EmbeddedOrigin };

/** One in-process PostgreSQL (PGlite) shared by every service of the process, a schema each. */
export interface EmbeddedDatabase {
  /**
   * The service's view: its own schema, owned by its own role, which has no rights on the other
   * services' schemas. `close()` on the returned Db releases only that view.
   */
  forService(service: string): Promise<Db>;
  /** Waits for the work in progress, then shuts the instance down. */
  close(): Promise<void>;
  readonly origin: EmbeddedOrigin;
  /** Time it took to boot, in ms. */
  readonly bootMs: number;
}

/** The role a service's statements run as on the embedded instance. */
export function embeddedRoleName(service: string): string {
  return `dhanman_${service}`;
}

export async function openEmbedded(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const started = Date.now();
  const { pglite, origin } = await boot(opts);
  const bootMs = Date.now() - started;
  opts.log?.info({ dataDir: opts.dataDir, origin, ms: bootMs }, 'embedded PostgreSQL (PGlite) ready');
  const instance = new Instance(pglite, opts.log);
  return {
    origin,
    bootMs,
    async forService(service) {
      assertServiceName(service);
      await instance.prepareService(service);
      return new EmbeddedDb(instance, service, opts.log);
    },
    close: () => instance.close(),
  };
}

const SUPERUSER = null;
const UNKNOWN = Symbol('unknown session role');

/** Marks the async work running inside a transaction, which holds the single connection. */
interface TxScope {
  active: boolean;
}

/**
 * The shared connection. Every statement takes its turn (ServiceTurns: a service's queued work
 * runs in a row), as the calling service's role with its schema as search_path; the role is
 * switched only when it differs from the last one.
 */
class Instance {
  private readonly turns = new ServiceTurns<string | null>();
  private readonly scope = new AsyncLocalStorage<TxScope>();
  private sessionRole: string | null | typeof UNKNOWN = SUPERUSER;
  private readonly prepared = new Map<string, PreparedStatements>();
  private closed = false;

  constructor(
    readonly pglite: PGlite,
    private readonly log?: Logger,
  ) {}

  async exclusive<T>(service: string | null, work: () => Promise<T>): Promise<T> {
    if (this.scope.getStore()?.active) {
      // Waiting for the connection the enclosing transaction holds would never end.
      throw new Error(
        'embedded database: a statement or transaction was started inside a transaction on the same ' +
          'connection; use the transaction (tx) you were given',
      );
    }
    return this.turns.run(service, async () => {
      if (this.closed) throw new Error('embedded database is closed');
      await this.switchTo(service);
      return work();
    });
  }

  /** A service's prepared statements: one set per service on the session, however many views it opens. */
  preparedFor(service: string): PreparedStatements {
    let prepared = this.prepared.get(service);
    if (!prepared) this.prepared.set(service, (prepared = new PreparedStatements(this.pglite, service)));
    return prepared;
  }

  /** Runs `work` so that statements it starts through `exclusive` fail fast instead of deadlocking. */
  inScope<T>(scope: TxScope, work: () => Promise<T>): Promise<T> {
    return this.scope.run(scope, work);
  }

  async prepareService(service: string): Promise<void> {
    const role = quoteIdent(embeddedRoleName(service));
    const schema = quoteIdent(service);
    const roleLiteral = embeddedRoleName(service);
    await this.exclusive(SUPERUSER, () =>
      this.pglite.exec(`
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${roleLiteral}') THEN
            CREATE ROLE ${role} NOLOGIN;
          END IF;
          -- CREATE on the database lets the service make its job-queue schema (pgboss_<service>).
          EXECUTE format('GRANT CREATE ON DATABASE %I TO ${role}', current_database());
        END $$;
        CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION ${role};
        ALTER SCHEMA ${schema} OWNER TO ${role};
      `),
    );
  }

  async close(): Promise<void> {
    await this.turns.run(SUPERUSER, async () => {
      if (this.closed) return;
      this.closed = true;
      await this.pglite.close();
    });
  }

  private async switchTo(service: string | null): Promise<void> {
    if (this.sessionRole === service) return;
    this.sessionRole = UNKNOWN;
    if (service === SUPERUSER) {
      await this.pglite.exec('RESET ROLE; RESET search_path');
    } else {
      await this.pglite.exec(
        `SET ROLE ${quoteIdent(embeddedRoleName(service))}; SET search_path TO ${quoteIdent(service)}`,
      );
    }
    this.sessionRole = service;
  }

  /** After a failed statement, leave no aborted transaction behind for the next caller. */
  async abandonTransaction(): Promise<void> {
    if (!this.pglite.isInTransaction()) return;
    try {
      await this.pglite.exec('ROLLBACK');
    } catch (err) {
      this.log?.error({ err }, 'embedded database: rollback failed');
    }
  }
}

function toResult<T>(result: Results<T>): QueryResult<T> {
  const rowCount =
    result.rowCount ?? (result.fields.length > 0 ? result.rows.length : (result.affectedRows ?? 0));
  return { rows: result.rows, rowCount };
}

class EmbeddedDb implements Db {
  readonly kind = 'pglite' as const;
  private closed = false;
  private readonly prepared: PreparedStatements;

  constructor(
    private readonly instance: Instance,
    readonly service: string,
    private readonly log?: Logger,
  ) {
    this.prepared = instance.preparedFor(service);
  }

  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    return this.run(async () => toResult(await this.statement<T>(sql, params, { inTransaction: false })));
  }

  /** Prepared once and bound after (PreparedStatements); PGlite's own `query` for the others. */
  private async statement<T>(
    sql: string,
    params: readonly unknown[] | undefined,
    at: StatementPlace,
  ): Promise<Results<T>> {
    const prepared = await this.prepared.query<T>(sql, params, at);
    if (prepared) return prepared;
    const { pglite } = this.instance;
    if (at.opens) await pglite.exec('BEGIN');
    const result = await pglite.query<T>(sql, params ? [...params] : []);
    if (at.closes) await pglite.exec('COMMIT');
    return result;
  }

  exec(sql: string): Promise<void> {
    return this.run(async () => {
      try {
        await this.instance.pglite.exec(sql);
      } catch (err) {
        await this.instance.abandonTransaction();
        throw err;
      }
    });
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const callbacks: Array<() => void> = [];
    const finals: Array<() => Statement> = [];
    const scope: TxScope = { active: true };
    const { pglite } = this.instance;
    const guard = (): void => {
      if (!scope.active) throw new Error('transaction already finished: use it only inside its callback');
    };
    // BEGIN goes with the first statement, COMMIT with the last one sent with it (beforeCommit);
    // a transaction that ran nothing sends neither.
    let begun = false;
    const opens = (): boolean => !begun && (begun = true);
    const tx: Tx = {
      query: async <R = Row>(sql: string, params?: readonly unknown[]) => {
        guard();
        return toResult(await this.statement<R>(sql, params, { inTransaction: true, opens: opens() }));
      },
      exec: async (sql: string) => {
        guard();
        if (opens()) await pglite.exec('BEGIN');
        await pglite.exec(sql);
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
    const result = await this.run(async () => {
      try {
        const value = await this.instance.inScope(scope, () => fn(tx));
        const statements = finals.map((build) => build());
        for (const [i, { sql, params }] of statements.entries()) {
          const closes = i === statements.length - 1;
          await this.statement(sql, params, { inTransaction: true, opens: opens(), closes });
        }
        if (statements.length === 0 && begun) await pglite.exec('COMMIT');
        return value;
      } catch (err) {
        await this.instance.abandonTransaction();
        throw err;
      } finally {
        scope.active = false;
      }
    });
    runAfterCommit(callbacks, this.log);
    return result;
  }

  async ping(): Promise<boolean> {
    try {
      await this.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private run<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`database of ${this.service} is closed`));
    return this.instance.exclusive(this.service, work);
  }
}
