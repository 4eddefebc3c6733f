import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { logDigest } from '../../../ops/chaos/log-digest.js';

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
