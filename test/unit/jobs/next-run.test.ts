import { describe, expect, it } from 'vitest';
import { assertSchedule, nextRunAt } from '#platform/jobs/next-run.js';
import { reminderWindow } from '#services/sales/reminders/schedule.js';
import { periodProblem } from '#services/sales/runs/period.js';

const MONTHLY = '0 6 1 * *';

describe('next run of a recurring job in its time zone', () => {
  it('is 06:00 on the next 1st in Asia/Kolkata (UTC+05:30)', () => {
    expect(nextRunAt(MONTHLY, 'Asia/Kolkata', new Date('2026-12-02T11:00:00Z')).toISOString()).toBe(
      '2027-01-01T00:30:00.000Z',
    );
    // Just before the moment, it is that moment; at it, the next month's.
    expect(nextRunAt(MONTHLY, 'Asia/Kolkata', new Date('2027-01-01T00:29:59Z')).toISOString()).toBe(
      '2027-01-01T00:30:00.000Z',
    );
    expect(nextRunAt(MONTHLY, 'Asia/Kolkata', new Date('2027-01-01T00:30:00Z')).toISOString()).toBe(
      '2027-02-01T00:30:00.000Z',
    );
  });

  it('follows Europe/London across daylight saving (06:00 BST is 05:00 UTC, 06:00 GMT is 06:00 UTC)', () => {
    expect(nextRunAt(MONTHLY, 'Europe/London', new Date('2026-03-05T00:00:00Z')).toISOString()).toBe(
      '2026-04-01T05:00:00.000Z',
    );
    expect(nextRunAt(MONTHLY, 'Europe/London', new Date('2026-10-05T00:00:00Z')).toISOString()).toBe(
      '2026-11-01T06:00:00.000Z',
    );
  });

  it('refuses an unknown zone or a bad cron', () => {
    expect(() => assertSchedule(MONTHLY, 'Mars/Olympus')).toThrow(/time zone/);
    expect(() => assertSchedule('61 * * * *', 'UTC')).toThrow();
  });
});

describe('payment reminder window', () => {
  it('runs from today to three days ahead in the organization calendar', () => {
    const now = new Date('2026-12-11T20:00:00Z');
    // Already the 12th in Kolkata (01:30), still the 11th in New York (15:00).
    expect(reminderWindow('Asia/Kolkata', now)).toEqual({ from: '2026-12-12', to: '2026-12-15' });
    expect(reminderWindow('America/New_York', now)).toEqual({ from: '2026-12-11', to: '2026-12-14' });
  });
  it('crosses a month end', () => {
    expect(reminderWindow('UTC', new Date('2027-02-27T09:00:00Z'))).toEqual({
      from: '2027-02-27',
      to: '2027-03-02',
    });
  });
});

describe('periods a run may bill', () => {
  const now = new Date('2026-12-02T12:00:00Z');
  it('takes 12 months back to 1 ahead', () => {
    expect(periodProblem('2025-12', 'Asia/Kolkata', now)).toBeNull();
    expect(periodProblem('2027-01', 'Asia/Kolkata', now)).toBeNull();
    expect(periodProblem('2025-11', 'Asia/Kolkata', now)).toMatch(/12 months back/);
    expect(periodProblem('2027-02', 'Asia/Kolkata', now)).toMatch(/ahead/);
    expect(periodProblem('2026-13', 'Asia/Kolkata', now)).toMatch(/YYYY-MM/);
  });
});
