import type { Logger } from 'pino';
import type { Queryable } from './db.js';

/**
 * A lease: one holder may work on a row until a moment set by the database's clock (one clock for
 * every process), renewing it while it works; a holder that dies simply stops renewing, and the
 * row is free again once the moment passes. Writes are fenced: a holder writes only while it still
 * holds the row (its owner, or the version it read), so one whose lease lapsed and was taken over
 * cannot overwrite the newer holder's work.
 *
 * The statements that take a lease usually do more in the same round trip (the saga's claim also
 * records the step's attempt), so the primitive is the SQL terms, used inside them, plus the plain
 * renew and release statements and the heartbeat that keeps a lease while work runs.
 */

/** Another holder has the row now (this one's lease lapsed): the work stops without writing. */
export class LeaseLost extends Error {
  constructor(what = 'the lease') {
    super(`${what} was taken over by another holder`);
    this.name = 'LeaseLost';
  }
}

/** When a lease taken now lapses: `now()` plus the milliseconds in parameter `ms` (`$3`, say). */
export const leaseEnd = (ms: string): string => `now() + ${ms}::integer * interval '1 millisecond'`;

/** Where a table keeps its leases. */
export interface LeasedTable {
  table: string;
  /** The row's key column (default `id`). */
  key?: string;
  /** Who holds the row (default `lease_owner`). */
  owner?: string;
  /** Until when (default `lease_until`). */
  until?: string;
  /** Bumped by every write, when the table fences by version rather than by owner alone. */
  version?: string;
}

/**
 * The lease terms of one table: SQL conditions and SET terms over parameters named by the caller
 * (`$2`, say), and the plain renew and let-go statements.
 */
export function leaseTerms(t: LeasedTable) {
  const key = t.key ?? 'id';
  const owner = t.owner ?? 'lease_owner';
  const until = t.until ?? 'lease_until';
  const version = t.version ?? 'version';
  const terms = {
    /** Condition: nobody holds the row, or its holder's lease lapsed. `on` qualifies the columns. */
    free: (on?: string) => {
      const u = on ? `${on}.${until}` : until;
      return `(${u} IS NULL OR ${u} < now())`;
    },
    /** Condition: parameter `p` holds the row. */
    heldBy: (p: string) => `${owner} = ${p}`,
    /** SET terms that take (or renew) the row for parameter `p`, for `ms` milliseconds. */
    take: (p: string, ms: string) => `${owner} = ${p}, ${until} = ${leaseEnd(ms)}`,
    extend: (ms: string) => `${until} = ${leaseEnd(ms)}`,
    release: `${owner} = NULL, ${until} = NULL`,
    /** Condition: the row is still at the version parameter `p` the holder read. */
    fenced: (p: string) => `${version} = ${p}`,
    /** Every fenced write bumps the version, making the previous one stale. */
    bump: `${version} = ${version} + 1`,
    /** Extends `holder`'s lease on row `id`; false when another holds it now. `also`: a further condition. */
    async renew(q: Queryable, id: string, holder: string, ms: number, also?: string): Promise<boolean> {
      const { rowCount } = await q.query(
        `UPDATE ${t.table} SET ${terms.extend('$3')}
          WHERE ${key} = $1 AND ${terms.heldBy('$2')}${also ? ` AND ${also}` : ''}`,
        [id, holder, ms],
      );
      return rowCount === 1;
    },
    /** Lets row `id` go, if `holder` still holds it (so another takes it at once, not when it lapses). */
    async letGo(q: Queryable, id: string, holder: string): Promise<void> {
      await q.query(`UPDATE ${t.table} SET ${terms.release} WHERE ${key} = $1 AND ${terms.heldBy('$2')}`, [
        id,
        holder,
      ]);
    },
  };
  return terms;
}

/**
 * Keeps a lease while work runs: renews it a third of the way through its length (not only when
 * the work writes: a step may wait minutes on another service), and aborts `signal` with LeaseLost
 * once a renewal finds it held by another. A failed renewal is not a lost lease: the next one may
 * go through before it lapses.
 */
export class LeaseHeartbeat {
  private readonly lost = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(
    renew: () => Promise<boolean>,
    leaseMs: number,
    private readonly what: string,
    log?: Logger,
  ) {
    this.timer = setInterval(
      () => {
        renew().then(
          (held) => {
            if (!held) this.markLost();
          },
          (err: unknown) => log?.warn({ err }, `could not renew ${what}`),
        );
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    this.timer.unref(); // a process stopping mid-work is not held up by it: the lease then lapses
  }

  get signal(): AbortSignal {
    return this.lost.signal;
  }

  get isLost(): boolean {
    return this.lost.signal.aborted;
  }

  /** Throws LeaseLost once another holds the row. */
  check(): void {
    if (this.isLost) throw new LeaseLost(this.what);
  }

  /** A fenced write found the row held by another: stop renewing and abort the work. */
  markLost(): void {
    this.stop();
    if (!this.isLost) this.lost.abort(new LeaseLost(this.what));
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
