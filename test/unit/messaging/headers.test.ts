import { describe, expect, it } from 'vitest';
import {
  ATTEMPT_HEADER,
  DEAD_LETTER_HEADERS,
  attemptOf,
  deadLetterHeaders,
  headerText,
  readDeadLetterHeaders,
  replayHeaders,
} from '#platform/messaging/headers.js';
import { dlqOf } from '#platform/messaging/envelope.js';
import { delayAt as retryDelayFor } from '#platform/retry/backoff.js';

describe('dead-letter headers', () => {
  it('round-trips what the consumer says about a dead letter', () => {
    const at = new Date('2026-05-01T10:00:00.000Z');
    const headers = deadLetterHeaders(
      {
        category: 'handler-failed',
        reason: 'handler x failed 4 times: boom',
        error: 'boom',
        stack: 'Error: boom\n    at x',
        attempts: 4,
        originalQueue: 'sales.events',
      },
      'dl-1',
      at,
    );
    expect(readDeadLetterHeaders(headers)).toEqual({
      id: 'dl-1',
      category: 'handler-failed',
      reason: 'handler x failed 4 times: boom',
      error: 'boom',
      stack: 'Error: boom\n    at x',
      attempts: 4,
      originalQueue: 'sales.events',
      at: at.toISOString(),
    });
  });

  it('clips a runaway stack so headers stay small', () => {
    const headers = deadLetterHeaders(
      {
        category: 'handler-failed',
        reason: 'r',
        stack: 'x'.repeat(100_000),
        attempts: 1,
        originalQueue: 'q.events',
      },
      'id',
    );
    expect(String(headers[DEAD_LETTER_HEADERS.stack]).length).toBeLessThanOrEqual(8_001);
  });

  it('reads AMQP Buffers as text', () => {
    const headers = {
      [DEAD_LETTER_HEADERS.category]: Buffer.from('invalid-json'),
      [ATTEMPT_HEADER]: Buffer.from('2'),
    };
    expect(readDeadLetterHeaders(headers).category).toBe('invalid-json');
    expect(attemptOf(headers)).toBe(2);
    expect(headerText({})).toBeUndefined();
  });

  it("maps a broker's delivery-limit death, skipping the retry queues' expiries", () => {
    const headers = {
      [ATTEMPT_HEADER]: 1,
      'x-death': [
        { reason: 'expired', queue: 'sales.events.retry.1000ms', count: 1 },
        { reason: 'delivery_limit', queue: 'sales.events', count: 1 },
      ],
    };
    const record = readDeadLetterHeaders(headers);
    expect(record.category).toBe('delivery-limit');
    expect(record.originalQueue).toBe('sales.events');
    expect(record.attempts).toBe(2);
    expect(record.id).toBeUndefined();
  });

  it('says so when a message carries no reason at all', () => {
    expect(readDeadLetterHeaders({}).category).toBe('unknown');
    expect(readDeadLetterHeaders({}).originalQueue).toBeUndefined();
  });

  it('gives a replayed message a fresh attempt count', () => {
    expect(attemptOf(replayHeaders('7'))).toBe(0);
    expect(attemptOf({ [ATTEMPT_HEADER]: 'garbage' })).toBe(0);
    expect(attemptOf({ [ATTEMPT_HEADER]: -3 })).toBe(0);
  });
});

describe('queues and the retry ladder', () => {
  it('finds the DLQ of a work queue', () => {
    expect(dlqOf('sales.events')).toBe('sales.dlq');
    expect(dlqOf('notification.commands')).toBe('notification.dlq');
  });

  it('repeats the last delay past the end of the ladder', () => {
    const ladder = [1_000, 5_000, 15_000];
    expect([1, 2, 3, 4, 9].map((a) => retryDelayFor(ladder, a))).toEqual([
      1_000, 5_000, 15_000, 15_000, 15_000,
    ]);
    expect(retryDelayFor(ladder, 0)).toBe(1_000);
    expect(retryDelayFor([], 1)).toBe(0);
  });
});
