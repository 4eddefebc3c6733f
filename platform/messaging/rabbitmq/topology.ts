import type { Channel } from 'amqplib';
import { COMMANDS_EXCHANGE, EVENTS_EXCHANGE, commandRoutingKey, dlqOf, queueNames } from '../envelope.js';
import type { ServiceTopology } from '../transport.js';

export type QueueType = 'quorum' | 'classic';

export interface TopologySettings {
  queueType: QueueType;
  /** Quorum only: the broker dead-letters a message handed out more than this many times. */
  deliveryLimit: number;
  retryDelaysMs: readonly number[];
}

/**
 * One retry queue per distinct delay, named by the delay so that changing the ladder creates new
 * queues instead of redeclaring old ones with other arguments (RabbitMQ refuses that).
 */
export const retryQueueName = (queue: string, delayMs: number) => `${queue}.retry.${delayMs}ms`;

/*
 * Quorum dead-lettering is at-most-once unless the queue asks for `at-least-once`, which in turn
 * requires `reject-publish` overflow. Without it a broker crash while a retry copy expires could
 * lose the message.
 */
const safeDeadLettering = { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' };

export function workQueueArguments(queue: string, s: TopologySettings): Record<string, unknown> {
  if (s.queueType === 'classic') return { 'x-queue-type': 'classic' };
  return {
    'x-queue-type': 'quorum',
    'x-delivery-limit': s.deliveryLimit,
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': dlqOf(queue),
    ...safeDeadLettering,
  };
}

export function retryQueueArguments(
  queue: string,
  delayMs: number,
  s: TopologySettings,
): Record<string, unknown> {
  const back = { 'x-message-ttl': delayMs, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queue };
  if (s.queueType === 'classic') return { 'x-queue-type': 'classic', ...back };
  return { 'x-queue-type': 'quorum', ...back, ...safeDeadLettering };
}

export const dlqArguments = (s: TopologySettings): Record<string, unknown> => ({
  'x-queue-type': s.queueType,
});

export async function declareExchanges(ch: Channel): Promise<void> {
  await ch.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
  await ch.assertExchange(COMMANDS_EXCHANGE, 'direct', { durable: true });
}

/** Thrown when a queue already exists with other arguments (e.g. another queue type). */
export class TopologyMismatchError extends Error {
  constructor(queue: string, args: Record<string, unknown>, cause: unknown) {
    super(
      `queue ${queue} exists on the broker with other arguments than ${JSON.stringify(args)} ` +
        `(queue type or delivery limit changed?). Delete the queue or restore the previous setting.`,
      { cause },
    );
    this.name = 'TopologyMismatchError';
  }
}

/** Declares one service's queues, retry queues, DLQ and bindings (idempotent with the same settings). */
export async function declareServiceTopology(
  ch: Channel,
  t: ServiceTopology,
  s: TopologySettings,
): Promise<void> {
  const names = queueNames(t.service);
  await assertQueue(ch, names.dlq, dlqArguments(s));
  const work = t.commands ? [names.events, names.commands] : [names.events];
  for (const queue of work) {
    await assertQueue(ch, queue, workQueueArguments(queue, s));
    for (const delay of new Set(s.retryDelaysMs)) {
      await assertQueue(ch, retryQueueName(queue, delay), retryQueueArguments(queue, delay, s));
    }
  }
  for (const key of new Set(t.eventTypes)) await ch.bindQueue(names.events, EVENTS_EXCHANGE, key);
  // Unbinding what is not bound is a no-op for RabbitMQ, so this stays idempotent.
  for (const key of new Set(t.staleKeys ?? [])) await ch.unbindQueue(names.events, EVENTS_EXCHANGE, key);
  if (t.commands) await ch.bindQueue(names.commands, COMMANDS_EXCHANGE, commandRoutingKey(t.service));
}

async function assertQueue(ch: Channel, queue: string, args: Record<string, unknown>): Promise<void> {
  try {
    await ch.assertQueue(queue, { durable: true, arguments: args });
  } catch (err) {
    if (isPreconditionFailed(err)) throw new TopologyMismatchError(queue, args, err);
    throw err;
  }
}

const isPreconditionFailed = (err: unknown) =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 406;
