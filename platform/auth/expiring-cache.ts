/**
 * Values kept until a time of their own, and at most `maxEntries` of them: when full, the oldest
 * entry leaves first (no LRU bookkeeping on the hot path; entries expire soon anyway).
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; untilMs: number }>();

  constructor(private readonly maxEntries: number) {}

  /** The value while its time is after `nowMs`; an expired entry is dropped, making room. */
  get(key: string, nowMs: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.untilMs > nowMs) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V, untilMs: number): void {
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, untilMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
