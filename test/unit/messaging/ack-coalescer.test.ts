import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { AckCoalescer, type AckFrame } from '#platform/messaging/rabbitmq/ack-coalescer.js';

function channel(delivered: number) {
  const frames: AckFrame[] = [];
  const acks = new AckCoalescer((f) => frames.push(f));
  for (let tag = 1; tag <= delivered; tag++) acks.delivered(tag);
  return { acks, frames };
}

describe('ack coalescer', () => {
  it('sends the oldest deliveries acked in one turn as one multiple ack, by the end of that turn', async () => {
    const { acks, frames } = channel(5);
    acks.ack(2);
    acks.ack(1);
    acks.ack(3);
    expect(frames).toEqual([]);
    await nextTurn();
    expect(frames).toEqual([{ tag: 3, multiple: true }]);
    acks.ack(4);
    await nextTurn();
    expect(frames.at(-1)).toEqual({ tag: 4, multiple: false });
  });

  it('never acks past a delivery still in progress: the later ones go alone, in the same turn', async () => {
    const { acks, frames } = channel(6);
    acks.ack(2);
    acks.ack(3);
    acks.ack(5);
    await nextTurn();
    // 1 and 4 are still being handled: a multiple ack of 3 or 5 would settle them too.
    expect(frames).toEqual([
      { tag: 2, multiple: false },
      { tag: 3, multiple: false },
      { tag: 5, multiple: false },
    ]);
    acks.ack(1);
    acks.ack(4);
    acks.ack(6);
    await nextTurn();
    // What is left unacked on the channel is 1, 4 and 6: one multiple ack settles exactly those.
    expect(frames.slice(3)).toEqual([{ tag: 6, multiple: true }]);
  });

  it('flushes on demand (a closing channel) and sends each tag once', async () => {
    const { acks, frames } = channel(3);
    acks.ack(1);
    acks.ack(2);
    acks.flush();
    expect(frames).toEqual([{ tag: 2, multiple: true }]);
    await nextTurn();
    expect(frames).toHaveLength(1);
  });
});
