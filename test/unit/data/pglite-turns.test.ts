import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { ServiceTurns } from '#platform/data/pglite-turns.js';

/** Work that records when it ran and holds its turn for a tick. */
const recorder = () => {
  const ran: string[] = [];
  const work = (label: string) => async () => {
    ran.push(label);
    await new Promise((resolve) => setImmediate(resolve));
    return label;
  };
  return { ran, work };
};

describe('turns on the shared embedded connection', () => {
  it('runs one piece at a time, each service in arrival order', async () => {
    const turns = new ServiceTurns<string>();
    let running = 0;
    let most = 0;
    const work = async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => turns.run(i % 2 ? 'a' : 'b', work)));
    expect(most).toBe(1);
  });

  it("gives the holder's queued work the next turns: interleaved arrivals hand over far less often", async () => {
    const turns = new ServiceTurns<string>(16);
    const { ran, work } = recorder();
    const all: Promise<string>[] = [];
    for (let i = 0; i < 12; i++) {
      all.push(turns.run('sales', work(`sales-${i}`)));
      all.push(turns.run('common', work(`common-${i}`)));
    }
    expect(await Promise.all(all)).toHaveLength(24);
    // Arrival order would hand over 23 times; in runs, once.
    expect(turns.handovers).toBe(1);
    expect(ran.filter((l) => l.startsWith('sales'))).toEqual(
      Array.from({ length: 12 }, (_, i) => `sales-${i}`),
    );
    expect(ran.filter((l) => l.startsWith('common'))).toEqual(
      Array.from({ length: 12 }, (_, i) => `common-${i}`),
    );
  });

  it('hands over after at most maxStreak turns in a row, to the oldest waiting work', async () => {
    const turns = new ServiceTurns<string>(3);
    const { ran, work } = recorder();
    const all = [turns.run('a', work('a0')), turns.run('b', work('b0'))];
    for (let i = 1; i < 6; i++) all.push(turns.run('a', work(`a${i}`)));
    await Promise.all(all);
    expect(ran).toEqual(['a0', 'a1', 'a2', 'b0', 'a3', 'a4', 'a5']);
  });

  it('passes a failure to its caller and goes on with the next work', async () => {
    const turns = new ServiceTurns<string>();
    const failed = turns.run('a', () => Promise.reject(new Error('broken')));
    const next = turns.run('b', async () => 'next');
    await expect(failed).rejects.toThrow('broken');
    await expect(next).resolves.toBe('next');
    await expect(
      turns.run('c', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
  });

  it("runs each work in its caller's async context, not in the context of the work before it", async () => {
    const turns = new ServiceTurns<string>();
    const context = new AsyncLocalStorage<string>();
    const seen = await Promise.all(
      ['a', 'b', 'a', 'c', 'b'].map((key, i) =>
        context.run(`caller-${i}`, () =>
          turns.run(key, async () => {
            await new Promise((resolve) => setImmediate(resolve));
            return context.getStore();
          }),
        ),
      ),
    );
    expect(seen).toEqual(['caller-0', 'caller-1', 'caller-2', 'caller-3', 'caller-4']);
  });
});
