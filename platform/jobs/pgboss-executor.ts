import type { Db, Queryable } from '../data/db.js';

interface SqlResult {
  rows: unknown[];
  rowCount: number;
}

// pg-boss runs its DDL and maintenance as one text of several statements (BEGIN; ...; COMMIT;)
// without parameters: PGlite takes that only through exec, PostgreSQL either way.
const SEVERAL_STATEMENTS = /;\s*\S/;

function run(target: Queryable & { exec?(sql: string): Promise<void> }, text: string, values?: unknown[]) {
  if (values && values.length > 0) {
    // pg-boss leaves unset options undefined; both drivers must see SQL NULL.
    return target.query(
      text,
      values.map((v) => (v === undefined ? null : v)),
    );
  }
  if (target.exec && SEVERAL_STATEMENTS.test(text.trim())) {
    return target.exec(text).then((): SqlResult => ({ rows: [], rowCount: 0 }));
  }
  return target.query(text);
}

/** pg-boss's database adapter over our Db, counting the statements in flight for a clean stop. */
export class PgBossExecutor {
  private inFlight = 0;

  constructor(private readonly db: Db) {}

  get busy(): boolean {
    return this.inFlight > 0;
  }

  async executeSql(text: string, values?: unknown[]): Promise<SqlResult> {
    this.inFlight += 1;
    try {
      return await run(this.db, text, values);
    } finally {
      this.inFlight -= 1;
    }
  }
}

/** pg-boss's adapter over a caller's transaction: the job is written with the caller's work. */
export function transactionExecutor(tx: Queryable): {
  executeSql(text: string, values?: unknown[]): Promise<SqlResult>;
} {
  return { executeSql: (text, values) => run(tx, text, values) };
}
