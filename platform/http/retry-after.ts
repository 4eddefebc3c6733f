/**
 * How long a `Retry-After` header asks the caller to wait, in ms (RFC 9110 §10.2.3: delay-seconds
 * or an HTTP-date); undefined when absent or unreadable. A date in the past means "now" (0).
 */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Date.parse reads bare numbers like "1.5" as dates: an HTTP-date has a day and a month name.
  const at = /[a-z]/i.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
