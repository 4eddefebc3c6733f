/**
 * Runs async work one piece at a time, in arrival order. PGlite has a single connection, so every
 * statement and every transaction of every service in the process takes turns through one of these.
 */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
