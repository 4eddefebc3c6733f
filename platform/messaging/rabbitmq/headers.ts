import { randomUUID } from 'node:crypto';
import { ATTEMPT_HEADER, DEAD_LETTER_HEADERS, deadLetterHeaders } from '../headers.js';
import type { DeadLetterInfo } from '../transport.js';

/** Headers the broker adds; a copy we publish ourselves starts without them (they only grow). */
const BROKER_HEADERS = new Set(['x-death', 'x-delivery-count']);
const BROKER_HEADER_PREFIXES = ['x-first-death-', 'x-last-death-'];

function withoutBrokerHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (BROKER_HEADERS.has(k) || BROKER_HEADER_PREFIXES.some((p) => k.startsWith(p))) continue;
    out[k] = v;
  }
  return out;
}

/** The copy that waits in a retry queue: the same headers, the next attempt and where it goes back to. */
export function retryCopyHeaders(
  headers: Record<string, unknown>,
  nextAttempt: number,
  queue: string,
): Record<string, unknown> {
  return {
    ...withoutBrokerHeaders(headers),
    [ATTEMPT_HEADER]: nextAttempt,
    [DEAD_LETTER_HEADERS.originalQueue]: queue,
  };
}

/** The copy that goes to `<service>.dlq`: the original headers plus why, when and after how many attempts. */
export function deadLetterCopyHeaders(
  headers: Record<string, unknown>,
  info: DeadLetterInfo,
): Record<string, unknown> {
  return { ...withoutBrokerHeaders(headers), ...deadLetterHeaders(info, randomUUID()) };
}
