/**
 * Lets callers wait, up to a deadline, for something another part sets (a connection, a channel):
 * `notify()` after each change makes every waiter look again.
 */
export class ChangeSignal {
  private readonly waiters = new Set<() => void>();

  notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /**
   * Resolves with the first value `check` returns (undefined: not yet), checking again on each
   * `notify()`; rejects with `timedOut()` once `deadline` (epoch ms) passes. `check` may throw to give up.
   */
  async until<T>(check: () => T | undefined, deadline: number, timedOut: () => Error): Promise<T> {
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw timedOut();
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
  }
}
