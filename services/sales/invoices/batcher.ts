interface Pending<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: work items with the same key are written together, one batch at a time per key.
 * While a batch is being written, new items for its key wait and form the next batch, so under
 * load batches grow by themselves and each pays for one transaction (and one hold of a contended
 * row lock) instead of one each; alone, an item is written at once as a batch of one.
 *
 * If a batch fails, each of its items is written again on its own, so one bad item fails alone.
 */
export class KeyedBatcher<T, R> {
  /** A key's queue exists exactly while its drain runs: a new key starts one, others join the queue. */
  private readonly waiting = new Map<string, Pending<T, R>[]>();

  constructor(
    private readonly write: (key: string, items: T[]) => Promise<R[]>,
    private readonly maxBatch = 100,
  ) {}

  submit(key: string, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queue = this.waiting.get(key);
      if (queue) queue.push({ item, resolve, reject });
      else {
        const fresh = [{ item, resolve, reject }];
        this.waiting.set(key, fresh);
        void this.drain(key, fresh);
      }
    });
  }

  private async drain(key: string, queue: Pending<T, R>[]): Promise<void> {
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, this.maxBatch);
        try {
          const results = await this.write(
            key,
            batch.map((b) => b.item),
          );
          batch.forEach((b, i) => b.resolve(results[i]!));
        } catch (err) {
          if (batch.length === 1) {
            batch[0]!.reject(err);
            continue;
          }
          for (const b of batch) {
            await this.write(key, [b.item]).then(
              (results) => b.resolve(results[0]!),
              (e: unknown) => b.reject(e),
            );
          }
        }
      }
    } finally {
      this.waiting.delete(key);
    }
  }
}
