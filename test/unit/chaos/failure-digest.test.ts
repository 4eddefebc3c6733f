import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { heldQueues, logDigest } from '../../../ops/chaos/failure-digest.js';

const dir = mkdtempSync(join(tmpdir(), 'dhanman-digest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a failed chaos run's log digest", () => {
  it("counts each copy's warnings and errors by message and quotes the lines naming a violation", () => {
    const line = (level: number, msg: string, extra: object = {}) => JSON.stringify({ level, msg, ...extra });
    writeFileSync(
      join(dir, 'notification-1.log'),
      [
        line(30, 'listening'),
        line(40, 'message handler failed; retrying later', { correlationId: 'c-1' }),
        line(40, 'message handler failed; retrying later', { correlationId: 'c-2' }),
        line(50, 'could not settle a delivery; it will be redelivered'),
        'not json',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'sales-1.log'), line(30, 'listening', { correlationId: 'c-1' }));
    const digest = logDigest(dir, ['c-1']);
    expect(digest[0]).toBe(
      'notification-1.log: message handler failed; retrying later x2; could not settle a delivery; it will be redelivered x1',
    );
    expect(digest).toContain('c-1: 2 line(s)');
    expect(digest.filter((l) => l.includes('"correlationId":"c-1"'))).toHaveLength(2);
    expect(digest.some((l) => l.includes('c-2'))).toBe(false);
  });
});

describe("a failed chaos run's queue listing", () => {
  it('names the queues that still hold messages, ready or unacknowledged', () => {
    const listed = JSON.stringify([
      { name: 'notification.events', messages_ready: 0, messages_unacknowledged: 0 },
      { name: 'notification.events.retry.15000ms', messages_ready: 2, messages_unacknowledged: 0 },
      { name: 'sales.events', messages_ready: 0, messages_unacknowledged: 1 },
    ]);
    expect(heldQueues(listed)).toEqual([
      'notification.events.retry.15000ms: 2 ready, 0 unacknowledged',
      'sales.events: 0 ready, 1 unacknowledged',
    ]);
  });
});
