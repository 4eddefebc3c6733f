/**
 * The organization's time zone (Sales' billing settings, loaded after sign-in): dates are shown
 * and default dates built in it, not in the browser's zone or UTC, so the day is right in India
 * between 00:00 and 05:30 wherever the browser is.
 */
let zone = 'Asia/Kolkata';

export const setZone = (next: string): void => {
  zone = next;
};
export const orgZone = (): string => zone;

/** Today's date (`YYYY-MM-DD`) in the organization's zone. */
export const today = (now = new Date()): string =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);

/** A calendar date `days` after `date` (both `YYYY-MM-DD`; calendar arithmetic, no zone involved). */
export const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The month `months` before `period` (`YYYY-MM`). */
export function monthsBefore(period: string, months: number): string {
  const i = Number(period.slice(0, 4)) * 12 + Number(period.slice(5, 7)) - 1 - months;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/** A moment as people read it, in the organization's zone ("7 Dec 2026, 10:30 am"). */
export const when = (iso: string | null | undefined): string =>
  iso
    ? new Date(iso).toLocaleString('en-IN', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' })
    : '—';

/** A calendar date (`YYYY-MM-DD`) as people read it ("15 Dec 2026"). */
export const day = (date: string | null | undefined): string =>
  date
    ? new Date(`${date}T00:00:00Z`).toLocaleDateString('en-IN', { timeZone: 'UTC', dateStyle: 'medium' })
    : '—';

/** A period `YYYY-MM` as a short month ("Dec 2026"). */
export const monthLabel = (period: string): string =>
  new Date(`${period}-01T00:00:00Z`).toLocaleDateString('en-IN', {
    timeZone: 'UTC',
    month: 'short',
    year: 'numeric',
  });
