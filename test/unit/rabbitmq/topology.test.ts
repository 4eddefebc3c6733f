import { describe, expect, it } from 'vitest';
import {
  ATTEMPT_HEADER,
  DEAD_LETTER_HEADERS,
  deadLetterCopyHeaders,
  retryCopyHeaders,
} from '#platform/messaging/headers.js';
import {
  dlqArguments,
  retryQueueArguments,
  retryQueueName,
  workQueueArguments,
  type TopologySettings,
} from '#platform/messaging/rabbitmq/topology.js';

const quorum: TopologySettings = {
  queueType: 'quorum',
  deliveryLimit: 5,
  retryDelaysMs: [1_000, 5_000, 15_000],
};
const classic: TopologySettings = { ...quorum, queueType: 'classic' };

describe('RabbitMQ topology arguments', () => {
  it('gives quorum work queues a delivery limit that dead-letters to the service DLQ, at least once', () => {
    expect(workQueueArguments('sales.events', quorum)).toEqual({
      'x-queue-type': 'quorum',
      'x-delivery-limit': 5,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'sales.dlq',
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    });
    expect(workQueueArguments('sales.commands', classic)).toEqual({ 'x-queue-type': 'classic' });
  });

  it('makes retry queues expire back into the queue they came from', () => {
    expect(retryQueueName('sales.events', 5_000)).toBe('sales.events.retry.5000ms');
    for (const s of [quorum, classic]) {
      expect(retryQueueArguments('sales.events', 5_000, s)).toMatchObject({
        'x-queue-type': s.queueType,
        'x-message-ttl': 5_000,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': 'sales.events',
      });
    }
    expect(dlqArguments(classic)).toEqual({ 'x-queue-type': 'classic' });
  });

  it('derives the same arguments from the same settings (a restart redeclares without PRECONDITION_FAILED)', () => {
    const again = { ...quorum, retryDelaysMs: [...quorum.retryDelaysMs] };
    expect(workQueueArguments('a.events', again)).toEqual(workQueueArguments('a.events', quorum));
    expect(retryQueueArguments('a.events', 1_000, again)).toEqual(
      retryQueueArguments('a.events', 1_000, quorum),
    );
  });
});

describe('RabbitMQ copy headers', () => {
  const fromBroker = {
    'x-tenant': 'org-1',
    'x-death': [{ reason: 'expired', queue: 'sales.events.retry.1000ms', count: 1 }],
    'x-delivery-count': 2,
    'x-first-death-reason': 'expired',
    'x-first-death-queue': 'sales.events.retry.1000ms',
    'x-last-death-reason': 'expired',
    [ATTEMPT_HEADER]: 1,
  };

  it('starts a retry copy without the broker headers, with the next attempt and its queue', () => {
    expect(retryCopyHeaders(fromBroker, 2, 'sales.events')).toEqual({
      'x-tenant': 'org-1',
      [ATTEMPT_HEADER]: 2,
      [DEAD_LETTER_HEADERS.originalQueue]: 'sales.events',
    });
  });

  it('describes a dead letter and keeps the original headers', () => {
    const h = deadLetterCopyHeaders(fromBroker, {
      reason: 'r'.repeat(5_000),
      category: 'handler-failed',
      error: 'boom',
      attempts: 4,
      originalQueue: 'sales.events',
    });
    expect(h).toMatchObject({
      'x-tenant': 'org-1',
      [ATTEMPT_HEADER]: 1,
      [DEAD_LETTER_HEADERS.category]: 'handler-failed',
      [DEAD_LETTER_HEADERS.error]: 'boom',
      [DEAD_LETTER_HEADERS.attempts]: 4,
      [DEAD_LETTER_HEADERS.originalQueue]: 'sales.events',
    });
    expect(h['x-death']).toBeUndefined();
    expect(String(h[DEAD_LETTER_HEADERS.reason]).length).toBeLessThan(2_100);
    expect(typeof h[DEAD_LETTER_HEADERS.id]).toBe('string');
  });
});
