import { AsyncResource } from 'node:async_hooks';

/**
 * Turns on PGlite's single connection. Work runs one piece at a time, first come first served
 * within a service; when the connection is handed over, work of the service that holds it goes
 * first, up to `maxStreak` turns in a row, then the oldest waiting work of any service. Each
 * hand-over to another service costs a `SET ROLE ...; SET search_path ...` round; with several
 * services busy at once (the embedded system under load) they take turns in runs instead of
 * alternating statement by statement. The streak bound keeps any service from waiting long.
 */
export class ServiceTurns<K> {
  private busy = false;
  private readonly waiting: Array<{ key: K; start: () => void }> = [];
  private holder: K | undefined;
  private streak = 0;
  /** Turns that went to another key than the one before (what a role switch costs). */
  handovers = 0;

  constructor(private readonly maxStreak = 16) {}

  run<T>(key: K, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // Bound to the caller's async context: a waiting turn is started from the end of another
      // caller's work, and must not run in that caller's context (its tenant, its trace).
      const start = AsyncResource.bind(() => {
        Promise.resolve()
          .then(work)
          .then(resolve, reject)
          .finally(() => this.next());
      });
      if (this.busy) {
        this.waiting.push({ key, start });
        return;
      }
      this.busy = true;
      this.begin(key);
      start();
    });
  }

  private begin(key: K): void {
    if (key === this.holder) this.streak += 1;
    else {
      if (this.holder !== undefined) this.handovers += 1;
      this.holder = key;
      this.streak = 1;
    }
  }

  private next(): void {
    if (this.waiting.length === 0) {
      this.busy = false;
      return;
    }
    let index = 0;
    if (this.streak < this.maxStreak) {
      const same = this.waiting.findIndex((w) => w.key === this.holder);
      if (same > 0) index = same;
    }
    const [turn] = this.waiting.splice(index, 1);
    this.begin(turn!.key);
    turn!.start();
  }
}
