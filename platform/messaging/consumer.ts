import type { Db } from '../data/db.js';
import type { MessageHandler } from './bus.js';
import { accepts, routingKeyOf, type ContractRegistry } from './contract.js';
import { checkDeliveryLimit, forgetDelivery, type DeliveryVerdict } from './delivery-guard.js';
import type { Envelope } from './envelope.js';
import { HandlerBatcher, runOne } from './handler-batch.js';
import { claimInbox } from './inbox.js';
import { errorText, quietLog, type MessagingLog } from './log.js';
import { messagingMetrics } from './metrics.js';
import { OutsideEffectFailed, runOutsideEffects } from './outside-effects.js';
import { readMessage } from './reader.js';
import { endProcessSpan, startProcessSpan } from './tracing.js';
import type { DeadLetterInfo, Delivery } from './transport.js';

export const DEFAULT_DELIVERY_LIMIT = 5;

export interface ConsumerOptions {
  service: string;
  db: Db;
  registry: ContractRegistry;
  handlers: readonly MessageHandler[];
  /** The ladder the transport retries with: its length is the number of retries. */
  retryDelaysMs: readonly number[];
  /** Deliveries of one copy before it is dead-lettered (a consumer that dies on it every time). */
  deliveryLimit?: number;
  /** Messages whose handlers may commit in one transaction (1 = one transaction each). Default 16. */
  batchSize?: number;
  log?: MessagingLog;
}

export const DEFAULT_BATCH_SIZE = 16;

type HandlerOutcome = { ok: true } | { ok: false; handler: string; error: unknown };

/**
 * The pipeline every delivery goes through, on either transport: delivery limit, JSON, envelope,
 * contract (upcast and validate), then this service's handlers for the type with their inbox
 * records: batched with the messages that arrived alongside (handler-batch.ts), or each in its own
 * transaction when a handler is isolated or a shared batch failed. Anything that cannot succeed goes to the DLQ with the reason
 * at once; a failing handler goes through the retry ladder first. It never throws: a transport
 * error while settling leaves the copy unacknowledged, and the broker hands it out again.
 */
export function createConsumer(opts: ConsumerOptions): (d: Delivery) => Promise<void> {
  const log = opts.log ?? quietLog;
  const limit = opts.deliveryLimit ?? DEFAULT_DELIVERY_LIMIT;
  const byType = handlersByType(opts.handlers);
  const { service, db } = opts;
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const batcher = batchSize > 1 ? new HandlerBatcher({ service, db, maxSize: batchSize }) : undefined;

  const deadLetter = async (d: Delivery, info: Omit<DeadLetterInfo, 'originalQueue'>) => {
    await d.deadLetter({ ...info, originalQueue: d.queue });
    messagingMetrics.deadLettered.inc({ service, category: info.category });
    log.warn({ queue: d.queue, category: info.category, reason: info.reason }, 'message dead-lettered');
  };

  const runHandler = async (h: MessageHandler, envelope: Envelope): Promise<'success' | 'duplicate'> => {
    const ran = await db.transaction(async (tx) => {
      if (!(await claimInbox(tx, envelope.messageId, h.name))) return false;
      const effects = await runOne(service, h, envelope, tx);
      if (effects.length > 0) {
        // Its effects outside the database at once; the first failure is the handler's failure.
        const records = await runOutsideEffects([effects]).catch((error: unknown) => {
          throw error instanceof OutsideEffectFailed ? error.failures.get(0) : error;
        });
        for (const record of records[0]!) await record(tx);
      }
      return true;
    });
    return ran ? 'success' : 'duplicate';
  };

  const runHandlers = async (handlers: MessageHandler[], envelope: Envelope): Promise<HandlerOutcome> => {
    for (const h of handlers) {
      try {
        const outcome = await runHandler(h, envelope);
        messagingMetrics.consumed.inc({ service, type: envelope.type, handler: h.name, outcome });
      } catch (error) {
        return { ok: false, handler: h.name, error };
      }
    }
    return { ok: true };
  };

  /** In a shared transaction when the handler allows it, else (or when that batch failed) alone. */
  const dispatch = async (handlers: MessageHandler[], envelope: Envelope): Promise<HandlerOutcome> => {
    // One handler per message in a batch: a failure then belongs to exactly that handler, and the
    // other handlers of a type (rare) keep their own transactions, so one failing does not make
    // the others run again.
    if (batcher && handlers.length === 1 && !handlers[0]!.isolated) {
      const batched = await batcher.run(envelope, handlers[0]!);
      if (batched.kind === 'committed') return { ok: true };
      if (batched.kind === 'failed') return { ok: false, handler: batched.handler, error: batched.error };
    }
    return runHandlers(handlers, envelope);
  };

  const settle = async (d: Delivery, verdict: DeliveryVerdict) => {
    if (verdict.exceeded) {
      await deadLetter(d, {
        category: 'delivery-limit',
        reason: `delivered ${verdict.deliveries} times (limit ${limit}) without being settled: the consumer keeps dying on it`,
        attempts: d.attempt + 1,
      });
      return;
    }
    const read = readMessage(d.body, opts.registry);
    if (!read.ok) {
      await deadLetter(d, { category: read.category, reason: read.reason, attempts: d.attempt + 1 });
      return;
    }
    const { envelope } = read;
    // A narrowed subscription's handler sees only its kinds (a copy routed before the keys
    // narrowed is acknowledged here without an inbox row).
    const handlers = (byType.get(envelope.type) ?? []).filter((h) => accepts(h.contract, envelope.payload));
    if (handlers.length === 0) {
      messagingMetrics.consumed.inc({ service, type: envelope.type, handler: '(none)', outcome: 'ignored' });
      log.debug({ queue: d.queue, type: envelope.type }, 'no handler for this type here; acknowledged');
      await d.ack();
      return;
    }
    const span = startProcessSpan(
      service,
      d,
      envelope,
      routingKeyOf(handlers[0]!.contract, envelope.payload),
    );
    let outcome: HandlerOutcome;
    try {
      outcome = await dispatch(handlers, envelope);
    } catch (error) {
      endProcessSpan(span, 'error', error);
      throw error;
    }
    if (outcome.ok) {
      endProcessSpan(span, 'success');
      await d.ack();
      return;
    }
    const { handler, error } = outcome;
    endProcessSpan(span, d.attempt < opts.retryDelaysMs.length ? 'retry' : 'dead-lettered', error);
    const labels = { service, type: envelope.type, handler };
    if (d.attempt < opts.retryDelaysMs.length) {
      log.warn(
        {
          queue: d.queue,
          type: envelope.type,
          messageId: envelope.messageId,
          correlationId: envelope.correlationId,
          handler,
          attempt: d.attempt + 1,
          err: errorText(error),
        },
        'message handler failed; retrying later',
      );
      await d.retry(d.attempt + 1);
      messagingMetrics.consumed.inc({ ...labels, outcome: 'retry' });
      messagingMetrics.retries.inc({ service, type: envelope.type });
      return;
    }
    await deadLetter(d, {
      category: 'handler-failed',
      reason: `handler ${handler} failed ${d.attempt + 1} times: ${errorText(error)}`,
      error: errorText(error),
      ...(error instanceof Error && error.stack ? { stack: error.stack } : {}),
      attempts: d.attempt + 1,
    });
    messagingMetrics.consumed.inc({ ...labels, outcome: 'dead-lettered' });
  };

  return async (d: Delivery) => {
    try {
      const verdict = await checkDeliveryLimit(db, d, limit);
      await settle(d, verdict);
      await forgetDelivery(db, verdict).catch(() => undefined);
    } catch (err) {
      // Settling failed (broker or database gone): leave the copy unacknowledged for redelivery.
      log.error(
        { queue: d.queue, err: errorText(err) },
        'could not settle a delivery; it will be redelivered',
      );
    }
  };
}

function handlersByType(handlers: readonly MessageHandler[]): Map<string, MessageHandler[]> {
  const names = new Set<string>();
  const byType = new Map<string, MessageHandler[]>();
  for (const h of handlers) {
    if (names.has(h.name))
      throw new Error(`two message handlers are named ${h.name}: the name is the inbox key`);
    names.add(h.name);
    const list = byType.get(h.contract.type) ?? [];
    list.push(h);
    byType.set(h.contract.type, list);
  }
  return byType;
}
