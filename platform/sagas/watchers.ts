import type { Db } from '../data/db.js';
import type { SagaStatus } from './saga.js';
import { getInstance } from './queries.js';
import type { InstanceRecord } from './store.js';

/** What a watcher sees after each recorded change of an instance. */
export interface SagaSnapshot {
  id: string;
  status: SagaStatus;
  state: Record<string, unknown>;
  failureReason: string | null;
  /** Names of the forward steps done so far. */
  completedSteps: string[];
}

/**
 * The watchers of instances: told each change this process's runner records, and reading the
 * database for what happened before they began or in another process.
 */
export class SagaWatchers {
  /** The last snapshot of each instance this process runs now (what a new watcher has missed). */
  private readonly snapshots = new Map<string, SagaSnapshot>();
  private readonly watchers = new Map<string, Set<(s: SagaSnapshot) => void>>();

  constructor(
    private readonly db: Db,
    /** Whether this process runs the instance now (its runner then tells every change). */
    private readonly runsHere: (id: string) => boolean,
  ) {}

  /** Resolves with the first snapshot that satisfies `until`, or the latest one after `timeoutMs`. */
  async watch(
    id: string,
    until: (s: SagaSnapshot) => boolean,
    timeoutMs: number,
  ): Promise<SagaSnapshot | null> {
    let latest: SagaSnapshot | null = null;
    let resolveWith: (s: SagaSnapshot | null) => void = () => undefined;
    const done = new Promise<SagaSnapshot | null>((resolve) => (resolveWith = resolve));
    const listener = (s: SagaSnapshot) => {
      latest = s;
      if (until(s)) resolveWith(s);
    };
    const set = this.watchers.get(id) ?? new Set();
    set.add(listener);
    this.watchers.set(id, set);
    const timer = setTimeout(() => resolveWith(latest), timeoutMs);
    // What happened before the watch began, and now and then what another runner (process) did.
    // While this process runs the instance, its runner tells every change: nothing to read.
    const look = async () => {
      if (this.runsHere(id)) {
        const known = this.snapshots.get(id);
        if (known) listener(known);
        return;
      }
      const current = await getInstance(this.db, id).catch(() => null);
      if (current) listener(this.snapshot(current));
    };
    const poll = setInterval(() => void look(), 500);
    try {
      await look();
      return await done;
    } finally {
      clearTimeout(timer);
      clearInterval(poll);
      set.delete(listener);
      if (set.size === 0) this.watchers.delete(id);
    }
  }

  /** Tells the instance's watchers of a change this process's runner recorded. */
  notify(i: InstanceRecord): void {
    const s = this.snapshot(i);
    this.snapshots.set(i.id, s);
    for (const l of [...(this.watchers.get(i.id) ?? [])]) l(s);
  }

  /** This process no longer runs the instance: later watchers read the database. */
  forget(id: string): void {
    this.snapshots.delete(id);
  }

  private snapshot(i: InstanceRecord): SagaSnapshot {
    return {
      id: i.id,
      status: i.status,
      state: i.state,
      failureReason: i.failureReason,
      completedSteps: i.completed,
    };
  }
}
