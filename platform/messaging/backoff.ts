export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** The pause after `failures` failures in a row (0 for the first): doubling from `initialMs`, at most `maxMs`. */
export function backoffMs(failures: number, { initialMs, maxMs }: Backoff): number {
  // The exponent stops growing so the product stays finite (0 * Infinity would be NaN).
  return Math.min(maxMs, initialMs * 2 ** Math.min(failures, 20));
}
