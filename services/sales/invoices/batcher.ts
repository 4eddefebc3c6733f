/**
 * Group commit: work items with the same key are written together, one batch at a time per key.
 * While a batch is being written, new items for its key wait and form the next batch, so under
 * load batches grow by themselves and each pays for one transaction (and one hold of a contended
 * row lock) instead of one each; alone, an item is written at once as a batch of one.
 *
 * If a batch fails, each of its items is written again on its own, so one bad item fails alone.
 */
export class KeyedBatcher<T, R> {
  private readonly waiting = new Map<
    string,
    Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }>
  >();
  private readonly writing = new Set<string>();

  constructor(
    private readonly write: (key: string, items: T[]) => Promise<R[]>,
    private readonly maxBatch = 100,
  ) {}

  submit(key: string, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queue = this.waiting.get(key) ?? [];
      queue.push({ item, resolve, reject });
      this.waiting.set(key, queue);
      if (!this.writing.has(key)) void this.drain(key);
    });
  }

  private async drain(key: string): Promise<void> {
    this.writing.add(key);
    try {
      for (;;) {
        const queue = this.waiting.get(key);
        if (!queue || queue.length === 0) break;
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
      this.writing.delete(key);
    }
  }
}
