import { parse, protocol, type PGlite, type Results } from '@electric-sql/pglite';
import { StatementNames } from './statement-names.js';

const { serialize } = protocol;

/** Where a statement stands: in a transaction or not, and whether it opens or closes one. */
export interface StatementPlace {
  inTransaction: boolean;
  opens?: boolean;
  closes?: boolean;
}

/**
 * A service's parameterised statements on the shared PGlite session as named prepared statements,
 * each sent as one protocol message. PGlite's own `query` parses and plans the text every time and
 * crosses into WebAssembly six times (parse, describe, bind, describe, execute, sync); here a
 * statement is parsed and described once, then every call is a single bind-execute-sync round.
 *
 * Names carry the service: a statement is resolved against the search_path of the service that
 * prepared it (its own schema), and services share statement texts (the outbox insert, say) that
 * must never run against another service's tables.
 *
 * Callers hold the connection (the instance's turns) while this runs: PGlite's own lock is not taken.
 */
export class PreparedStatements {
  private readonly names: StatementNames;
  /** Parameter type oids of each statement prepared on the session, by name. */
  private readonly prepared = new Map<string, readonly number[]>();

  constructor(
    private readonly pglite: PGlite,
    service: string,
  ) {
    this.names = new StatementNames(`dhanman_${service}_`);
  }

  /**
   * The statement's result, or undefined when it is not one to prepare (no parameters; past the
   * cap): then nothing was sent. `opens` sends BEGIN and `closes` COMMIT in the same message, so a
   * transaction's first and last statements cost no round of their own.
   */
  async query<T>(
    sql: string,
    params: readonly unknown[] | undefined,
    at: StatementPlace,
  ): Promise<Results<T> | undefined> {
    const name = this.names.nameOf(sql, params);
    if (name === undefined) return undefined;
    try {
      const types = this.prepared.get(name) ?? (await this.prepare(name, sql));
      const values = (params ?? []).map((value, i) => this.serialized(value, types[i]!));
      const messages = await this.pglite.execProtocolStream(
        Buffer.concat([
          ...(at.opens ? [serialize.query('BEGIN')] : []),
          serialize.bind({ statement: name, values }),
          serialize.describe({ type: 'P' }),
          serialize.execute({}),
          serialize.sync(),
          // After the Sync: a failed statement above is reported and COMMIT then only ends the
          // aborted transaction (PostgreSQL answers it with ROLLBACK).
          ...(at.closes ? [serialize.query('COMMIT')] : []),
        ]),
        // As PGlite's `query` does: the file system is synced after a statement outside a transaction.
        { syncToFs: !at.inTransaction || at.closes === true },
      );
      return parse.parseResults(messages, this.pglite.parsers)[at.opens ? 1 : 0] as Results<T>;
    } catch (err) {
      this.names.noteFailure(sql, err);
      throw err;
    }
  }

  private async prepare(name: string, sql: string): Promise<readonly number[]> {
    const messages = await this.pglite.execProtocolStream(
      Buffer.concat([
        serialize.parse({ name, text: sql }),
        serialize.describe({ type: 'S', name }),
        serialize.sync(),
      ]),
      { syncToFs: false },
    );
    const types = parse.parseDescribeStatementResults(messages);
    this.prepared.set(name, types);
    return types;
  }

  /** A parameter as PGlite's `query` sends it: by the serializer of its type, else as text. */
  private serialized(value: unknown, oid: number): string | null {
    if (value === null || value === undefined) return null;
    const serializer = this.pglite.serializers[oid];
    return serializer ? serializer(value) : String(value);
  }
}
