export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/**
 * A dependency (database, broker) is away: try again soon, then less often, for as long as it
 * takes. Short enough that a blip costs little, capped so an outage is not hammered.
 */
export const DEPENDENCY_RETRY: Readonly<Backoff> = { initialMs: 100, maxMs: 5_000 };

/** The pause after `failures` failures in a row (0 for the first): doubling from `initialMs`, at most `maxMs`. */
export function backoffMs(failures: number, { initialMs, maxMs }: Backoff): number {
  // The exponent stops growing so the product stays finite (0 * Infinity would be NaN).
  return Math.min(maxMs, initialMs * 2 ** Math.min(failures, 20));
}
