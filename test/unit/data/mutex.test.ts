import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Mutex } from '#platform/data/mutex.js';

describe('Mutex', () => {
  it('runs work one at a time in arrival order, whatever each one takes', async () => {
    const mutex = new Mutex();
    const events: string[] = [];
    let inside = 0;
    const work = (name: string, ms: number) =>
      mutex.run(async () => {
        inside += 1;
        expect(inside).toBe(1);
        events.push(`start ${name}`);
        await sleep(ms);
        events.push(`end ${name}`);
        inside -= 1;
        return name;
      });
    const results = await Promise.all([work('a', 30), work('b', 1), work('c', 10)]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('a failing piece of work rejects its own caller only', async () => {
    const mutex = new Mutex();
    const failing = mutex.run(async () => {
      throw new Error('boom');
    });
    const next = mutex.run(async () => 'still running');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('still running');
  });
});
