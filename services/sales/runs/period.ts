import { zonedDate } from '#platform/jobs/next-run.js';

/** A billing period `YYYY-MM`. */
export const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

/** How far from the current month a run may go: a year back (catching up, corrections), one ahead (billing early). */
export const MONTHS_BACK = 12;
export const MONTHS_AHEAD = 1;

const monthIndex = (period: string) => Number(period.slice(0, 4)) * 12 + Number(period.slice(5, 7)) - 1;
const periodOfIndex = (i: number) => `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;

/** The period it is in `zone` at `now`. */
export function currentPeriod(zone: string, now = new Date()): string {
  return zonedDate(now, zone).slice(0, 7);
}

/** Null when the period may be run, else why not. */
export function periodProblem(period: string, zone: string, now = new Date()): string | null {
  if (!PERIOD.test(period)) return `period '${period}' is not YYYY-MM`;
  const offset = monthIndex(period) - monthIndex(currentPeriod(zone, now));
  if (offset < -MONTHS_BACK) return `period ${period} is more than ${MONTHS_BACK} months back`;
  if (offset > MONTHS_AHEAD) return `period ${period} is more than ${MONTHS_AHEAD} month ahead`;
  return null;
}

/** Issue and due dates of a period's invoices: issued on the 1st, due on `dueDay`. */
export function periodDates(period: string, dueDay: number): { issueDate: string; dueDate: string } {
  return { issueDate: `${period}-01`, dueDate: `${period}-${String(dueDay).padStart(2, '0')}` };
}

export function previousPeriod(period: string): string {
  return periodOfIndex(monthIndex(period) - 1);
}
