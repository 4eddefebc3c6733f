import { randomUUID } from 'node:crypto';
import type { DeadLetterInfo } from './transport.js';

/**
 * Header names both transports agree on. The consumer pipeline, the DLQ archiver and replay read
 * and write messages through these, so a transport only has to carry them unchanged.
 */
export const ATTEMPT_HEADER = 'x-attempt';
export const DEAD_LETTER_HEADERS = {
  id: 'x-dead-letter-id',
  category: 'x-dead-letter-category',
  reason: 'x-dead-letter-reason',
  error: 'x-dead-letter-error',
  stack: 'x-dead-letter-stack',
  attempts: 'x-dead-letter-attempts',
  originalQueue: 'x-original-queue',
  at: 'x-dead-lettered-at',
} as const;
export const REPLAYED_FROM_HEADER = 'x-replayed-from';

// Headers travel in every AMQP frame: a runaway stack must not blow the frame size.
const MAX_ERROR = 2_000;
const MAX_STACK = 8_000;

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max)}…` : s);

/** The headers a transport puts on a message it moves to `<service>.dlq`. */
export function deadLetterHeaders(
  info: DeadLetterInfo,
  id: string,
  at: Date = new Date(),
): Record<string, string | number> {
  const h: Record<string, string | number> = {
    [DEAD_LETTER_HEADERS.id]: id,
    [DEAD_LETTER_HEADERS.category]: info.category,
    [DEAD_LETTER_HEADERS.reason]: clip(info.reason, MAX_ERROR),
    [DEAD_LETTER_HEADERS.attempts]: info.attempts,
    [DEAD_LETTER_HEADERS.originalQueue]: info.originalQueue,
    [DEAD_LETTER_HEADERS.at]: at.toISOString(),
  };
  if (info.error !== undefined) h[DEAD_LETTER_HEADERS.error] = clip(info.error, MAX_ERROR);
  if (info.stack !== undefined) h[DEAD_LETTER_HEADERS.stack] = clip(info.stack, MAX_STACK);
  return h;
}

/** AMQP hands some header values over as Buffers; everything else is compared as text. */
export function headerText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return undefined;
}

export function headerNumber(value: unknown): number | undefined {
  const text = headerText(value);
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** The retry-ladder attempt a message carries (0 when it has never been retried). */
export function attemptOf(headers: Record<string, unknown>): number {
  const n = headerNumber(headers[ATTEMPT_HEADER]);
  return n !== undefined && n >= 0 ? Math.floor(n) : 0;
}

export interface DeadLetterRecord {
  /** Unique per dead-lettering (not per message): replaying and failing again makes a new one. */
  id?: string;
  category: string;
  reason: string;
  error?: string;
  stack?: string;
  attempts: number;
  originalQueue?: string;
  at?: string;
}

interface XDeath {
  reason?: unknown;
  queue?: unknown;
  count?: unknown;
}

/**
 * Reads what a dead-lettered message says about itself: our headers when the consumer pipeline
 * dead-lettered it, or RabbitMQ's `x-death` when the broker did (quorum delivery limit, rejection).
 */
export function readDeadLetterHeaders(headers: Record<string, unknown>): DeadLetterRecord {
  const category = headerText(headers[DEAD_LETTER_HEADERS.category]);
  if (category !== undefined) {
    return {
      id: headerText(headers[DEAD_LETTER_HEADERS.id]),
      category,
      reason: headerText(headers[DEAD_LETTER_HEADERS.reason]) ?? category,
      error: headerText(headers[DEAD_LETTER_HEADERS.error]),
      stack: headerText(headers[DEAD_LETTER_HEADERS.stack]),
      attempts: headerNumber(headers[DEAD_LETTER_HEADERS.attempts]) ?? 0,
      originalQueue: headerText(headers[DEAD_LETTER_HEADERS.originalQueue]),
      at: headerText(headers[DEAD_LETTER_HEADERS.at]),
    };
  }
  const deaths = Array.isArray(headers['x-death']) ? (headers['x-death'] as XDeath[]) : [];
  // x-death lists the most recent death first; retry queues add `expired` entries of their own.
  const death = deaths.find((d) => headerText(d.reason) !== 'expired') ?? deaths[0];
  if (death) {
    const brokerReason = headerText(death.reason) ?? 'unknown';
    const queue = headerText(death.queue);
    return {
      category: brokerReason === 'delivery_limit' ? 'delivery-limit' : `broker-${brokerReason}`,
      reason: `the broker dead-lettered the message (${brokerReason}) from ${queue ?? 'an unknown queue'}`,
      attempts: attemptOf(headers) + 1,
      originalQueue: queue,
    };
  }
  return {
    category: 'unknown',
    reason: 'the message reached the dead-letter queue without a reason',
    attempts: attemptOf(headers),
  };
}

/** Headers of a replayed dead letter: a fresh attempt count, and where it came from. */
export function replayHeaders(deadLetterId: string): Record<string, string | number> {
  return { [ATTEMPT_HEADER]: 0, [REPLAYED_FROM_HEADER]: deadLetterId };
}

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
