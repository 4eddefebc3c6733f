import { noJitterGenerator, type IBackoffFactory } from 'cockatiel';

/**
 * The retry vocabulary of the whole platform, in cockatiel's terms: a ladder of delays (the HTTP
 * client's retries, a message's redeliveries, a saga step's retries), a doubling pause (a loop
 * waiting for its database or broker to come back) and patience (a caller riding over a
 * dependency's outage until a deadline, `patience.ts`).
 */

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
  const [delay] = noJitterGenerator(Math.min(failures, 20), {
    initialDelay: initialMs,
    maxDelay: maxMs,
    exponent: 2,
    generator: noJitterGenerator,
  });
  return delay;
}

/** The delay before attempt `attempt` (1-based) of a ladder; past its end the last delay repeats. */
export function delayAt(delays: readonly number[], attempt: number): number {
  if (delays.length === 0) return 0;
  return delays[Math.min(Math.max(attempt, 1), delays.length) - 1]!;
}

/**
 * A ladder as a cockatiel backoff: `delays` one by one, the last repeating. `atLeast` may lengthen
 * a step from what the failure says (a `Retry-After`), never shorten it.
 */
export function ladder<C>(
  delays: readonly number[],
  atLeast: (context: C) => number | undefined = () => undefined,
  attempt = 1,
): IBackoffFactory<C> {
  return {
    next: (context: C) => ({
      duration: Math.max(delayAt(delays, attempt), atLeast(context) ?? 0),
      ...ladder(delays, atLeast, attempt + 1),
    }),
  };
}
