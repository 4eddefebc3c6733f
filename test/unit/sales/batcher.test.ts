import { describe, expect, it } from 'vitest';
import { KeyedBatcher } from '#services/sales/invoices/batcher.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('keyed batcher (group commit)', () => {
  it('writes a lone item at once, and items arriving meanwhile as the next batch, per key', async () => {
    const batches: Array<[string, number[]]> = [];
    const batcher = new KeyedBatcher<number, string>(async (key, items) => {
      batches.push([key, items]);
      await tick();
      return items.map((i) => `${key}:${i}`);
    });
    const first = batcher.submit('a', 1);
    const rest = [2, 3, 4].map((i) => batcher.submit('a', i));
    const other = batcher.submit('b', 9);
    expect(await Promise.all([first, ...rest, other])).toEqual(['a:1', 'a:2', 'a:3', 'a:4', 'b:9']);
    expect(batches).toEqual([
      ['a', [1]],
      ['b', [9]],
      ['a', [2, 3, 4]],
    ]);
  });

  it('caps a batch and keeps going until the queue is empty', async () => {
    const sizes: number[] = [];
    const batcher = new KeyedBatcher<number, number>(async (_key, items) => {
      sizes.push(items.length);
      await tick();
      return items;
    }, 3);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => batcher.submit('k', i)));
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(sizes).toEqual([1, 3, 3, 1]);
  });

  it('when a batch fails, retries its items one by one so only the bad one fails', async () => {
    const batcher = new KeyedBatcher<number, number>(async (_key, items) => {
      await tick();
      if (items.includes(13)) throw new Error(`unlucky batch of ${items.length}`);
      return items.map((i) => i * 10);
    });
    const first = batcher.submit('k', 1);
    const group = [2, 13, 4].map((i) =>
      batcher.submit('k', i).then(
        (v) => ({ ok: v }),
        (e: Error) => ({ err: e.message }),
      ),
    );
    expect(await first).toBe(10);
    expect(await Promise.all(group)).toEqual([{ ok: 20 }, { err: 'unlucky batch of 1' }, { ok: 40 }]);
  });
});
