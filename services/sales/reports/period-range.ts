/** A month `YYYY-MM` with a real month number. */
export const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The longest range the collections report covers at once. */
export const MAX_MONTHS = 24;

const monthIndex = (period: string) => Number(period.slice(0, 4)) * 12 + Number(period.slice(5, 7)) - 1;

/** Null when `from`..`to` is a range the report answers, else why not (for a 400). */
export function rangeProblem(from: string, to: string): string | null {
  for (const [name, p] of [
    ['to', to],
    ['from', from],
  ] as const) {
    if (!PERIOD.test(p)) return `${name} '${p}' is not a month as YYYY-MM`;
  }
  const months = monthIndex(to) - monthIndex(from) + 1;
  if (months < 1) return `from ${from} is after to ${to}`;
  if (months > MAX_MONTHS) return `${months} months asked: the report covers at most ${MAX_MONTHS} at once`;
  return null;
}

/** The first of `months` months ending with `period` (`monthsBack('2026-12', 12)` is `2026-01`). */
export function monthsBack(period: string, months: number): string {
  const i = monthIndex(period) - (months - 1);
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}
