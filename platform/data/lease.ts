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

export interface LeaseTerms {
  /** Condition: nobody holds the row, or its holder's lease lapsed. `on` qualifies the columns. */
  free(on?: string): string;
  /** Condition: parameter `owner` holds the row. */
  heldBy(owner: string): string;
  /** SET terms that take (or renew) the row for parameter `owner`, for `ms` milliseconds. */
  take(owner: string, ms: string): string;
  /** SET terms that extend the holder's lease by `ms` milliseconds. */
  extend(ms: string): string;
  /** SET terms that let the row go. */
  release: string;
  /** Condition: the row is still at the version parameter `version` the holder read. */
  fenced(version: string): string;
  /** SET term bumping the version (every fenced write makes the previous version stale). */
  bump: string;
  /** Extends `owner`'s lease on row `id`; false when another holds it now. `also`: a further condition. */
  renew(q: Queryable, id: string, owner: string, ms: number, also?: string): Promise<boolean>;
  /** Lets row `id` go, if `owner` still holds it (so another takes it at once, not when it lapses). */
  letGo(q: Queryable, id: string, owner: string): Promise<void>;
}

/** The lease terms of one table. */
export function leaseTerms(t: LeasedTable): LeaseTerms {
  const key = t.key ?? 'id';
  const owner = t.owner ?? 'lease_owner';
  const until = t.until ?? 'lease_until';
  const version = t.version ?? 'version';
  const terms: LeaseTerms = {
    free: (on) => {
      const u = on ? `${on}.${until}` : until;
      return `(${u} IS NULL OR ${u} < now())`;
    },
    heldBy: (p) => `${owner} = ${p}`,
    take: (p, ms) => `${owner} = ${p}, ${until} = ${leaseEnd(ms)}`,
    extend: (ms) => `${until} = ${leaseEnd(ms)}`,
    release: `${owner} = NULL, ${until} = NULL`,
    fenced: (p) => `${version} = ${p}`,
    bump: `${version} = ${version} + 1`,
    async renew(q, id, holder, ms, also) {
      const { rowCount } = await q.query(
        `UPDATE ${t.table} SET ${terms.extend('$3')}
          WHERE ${key} = $1 AND ${terms.heldBy('$2')}${also ? ` AND ${also}` : ''}`,
        [id, holder, ms],
      );
      return rowCount === 1;
    },
    async letGo(q, id, holder) {
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
