import { counter, gauge, histogram } from '../observability/metrics.js';

/**
 * The bus's Prometheus metrics. Every one carries `service`: in the embedded mode several
 * services share the process registry.
 */
export const messagingMetrics = {
  published: counter('dhanman_messages_published_total', 'Messages the outbox relay published (confirmed)', [
    'service',
    'type',
  ]),
  consumed: counter(
    'dhanman_messages_consumed_total',
    'Messages handled, by handler and outcome (success, duplicate, retry, dead-lettered, ignored)',
    ['service', 'type', 'handler', 'outcome'],
  ),
  handlerDuration: histogram('dhanman_message_handler_duration_seconds', 'Time spent in a message handler', [
    'service',
    'type',
    'handler',
  ]),
  batchSize: histogram(
    'dhanman_message_batch_size',
    'Messages whose handlers committed together in one transaction',
    ['service'],
    [1, 2, 4, 8, 16, 32, 64],
  ),
  batchesSplit: counter(
    'dhanman_message_batches_split_total',
    'Shared batches that failed and were run again one message at a time',
    ['service'],
  ),
  retries: counter('dhanman_message_retries_total', 'Handler failures sent back through the retry ladder', [
    'service',
    'type',
  ]),
  deadLettered: counter('dhanman_messages_dead_lettered_total', 'Messages moved to the dead-letter queue', [
    'service',
    'category',
  ]),
  dlqDepth: gauge('dhanman_dlq_depth', 'Open dead letters (archived and still queued)', ['service']),
  queueDepth: gauge(
    'dhanman_queue_messages',
    'Messages waiting in a service queue (read from the transport, so the embedded bus shows it too)',
    ['service', 'queue'],
  ),
  outboxBacklog: gauge('dhanman_outbox_backlog', 'Outbox rows not yet published', ['service']),
  outboxOldestAge: gauge(
    'dhanman_outbox_oldest_unsent_age_seconds',
    'Age of the oldest unpublished outbox row',
    ['service'],
  ),
};
