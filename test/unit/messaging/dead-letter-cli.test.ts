import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_USAGE, formatList, runDeadLetterCli } from '../../../bin/dead-letters.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  let opened = 0;
  return {
    out,
    err,
    opened: () => opened,
    io: {
      out: (s: string) => out.push(s),
      err: (s: string) => err.push(s),
      open: async () => {
        opened++;
        throw new Error('a usage error must not open the database');
      },
    },
  };
}

describe('dead-letters CLI arguments', () => {
  it('prints help', async () => {
    const t = io();
    expect(await runDeadLetterCli(['--help'], t.io)).toBe(0);
    expect(await runDeadLetterCli([], t.io)).toBe(0);
    expect(t.out[0]).toBe(DEAD_LETTER_USAGE);
  });

  it.each([
    [['frobnicate', 'sales'], 'unknown command'],
    [['list'], 'which service'],
    [['show', 'sales'], "dead letter's id"],
    [['replay', 'sales', 'abc'], "dead letter's id"],
    [['list', 'sales', '--status', 'weird'], '--status'],
    [['list', 'sales', '--limit', '0'], '--limit'],
    [['list', 'sales', '--since', 'yesterday-ish'], '--since'],
    [['list', 'sales', 'extra'], 'unexpected argument'],
    [['list', 'sales', '--bogus'], 'bogus'],
    [['replay-all', 'sales', '--organization', 'demo'], '--organization'],
  ])('refuses %j with exit code 2 and says why', async (argv, why) => {
    const t = io();
    expect(await runDeadLetterCli(argv, t.io)).toBe(2);
    expect(t.err.join('\n')).toContain(why);
    expect(t.err.join('\n')).toContain('Usage:');
    expect(t.opened()).toBe(0);
  });
});

describe('formatList', () => {
  it('prints aligned columns and how to get the next page', () => {
    const text = formatList(
      [
        {
          id: '12',
          organizationId: null,
          messageId: null,
          type: null,
          originalQueue: 'sales.events',
          category: 'invalid-json',
          reason: 'the body is not JSON:\nUnexpected token',
          attempts: 1,
          status: 'open',
          deadLetteredAt: '2026-01-01T00:00:00.000Z',
          replayedAt: null,
          discardedAt: null,
        },
      ],
      '12',
    );
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^ID\s+DEAD-LETTERED AT\s+STATUS\s+CATEGORY/);
    expect(lines[1]).toContain('invalid-json');
    expect(lines[1]).toContain('the body is not JSON: Unexpected token');
    expect(lines[1]!.indexOf('open')).toBe(lines[0]!.indexOf('STATUS'));
    expect(lines.at(-1)).toBe('more: --cursor 12');
    expect(formatList([], null)).toBe('no dead letters match');
  });
});
