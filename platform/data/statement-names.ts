/** Names per pool at most: the cap the class comment below explains. */
const MAX_NAMES = 500;

/**
 * Names for parameterised statements, so each pooled connection parses and plans a statement once
 * and afterwards only binds and executes it. On this kind of machine that halves the server's CPU
 * per statement for the short statements the bus and the services run thousands of times.
 *
 * Only statements with parameters are named: they are single statements by construction (a
 * multi-statement text cannot take parameters), and their text is fixed with the values apart.
 * The number of names is capped so a caller building texts on the fly cannot grow every
 * connection's cache without bound; past the cap statements simply run unnamed.
 */
export class StatementNames {
  private readonly names = new Map<string, string>();
  private readonly refused = new Set<string>();

  /** Sessions shared by several users (the embedded instance) give each its own prefix. */
  constructor(private readonly prefix = 'dhanman_') {}

  nameOf(sql: string, params: readonly unknown[] | undefined): string | undefined {
    if (!params || params.length === 0 || this.refused.has(sql)) return undefined;
    let name = this.names.get(sql);
    if (name === undefined && this.names.size < MAX_NAMES) {
      name = `${this.prefix}${this.names.size + 1}`;
      this.names.set(sql, name);
    }
    return name;
  }

  /**
   * A schema change under a running process can make a prepared statement's result type stale
   * (0A000). That call fails; the text runs unnamed from then on, so a retry succeeds.
   */
  noteFailure(sql: string, err: unknown): void {
    const e = err as { code?: string; message?: string };
    if (e.code === '0A000' && /cached plan/.test(e.message ?? '')) this.refused.add(sql);
  }
}
