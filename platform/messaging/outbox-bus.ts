import { randomUUID } from 'node:crypto';
import type { Statement, Tx } from '../data/db.js';
import { currentContext } from '../observability/context.js';
import { SpanKind, endSpanWithError, startSpan, traceparentOf } from '../observability/tracing.js';
import type { Bus, PublishOptions } from './bus.js';
import { messagingAttributes } from './tracing.js';
import { routingKeyOf, type MessageContract, type PayloadOf } from './contract.js';
import {
  COMMANDS_EXCHANGE,
  EVENTS_EXCHANGE,
  commandRoutingKey,
  envelopeSchema,
  type Envelope,
} from './envelope.js';

/** A publish that can never be valid: wrong kind, bad payload, no organization. A bug, not bad input. */
export class MessageContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MessageContractError';
  }
}

export interface BusOptions {
  /** The publishing service: the envelope's `source`. */
  service: string;
  /** Called after a transaction that wrote outbox rows commits (wakes the relay). */
  onCommitted?: () => void;
}

/**
 * The bus a service publishes through. A publish validates the payload against its contract,
 * wraps it in the envelope (ids and tenancy from the current work context unless overridden) and
 * writes it to the outbox in the caller's transaction: it is sent if and only if that commits.
 */
export function outboxBus(opts: BusOptions): Bus {
  // A transaction's messages, written in one statement sent with its COMMIT (a batch of handlers
  // or of invoices publishes many): in order, and only if everything else in it succeeded.
  const outboxes = new WeakMap<Tx, OutboxRow[]>();
  const outboxOf = (tx: Tx): OutboxRow[] => {
    let rows = outboxes.get(tx);
    if (!rows) {
      const mine: OutboxRow[] = (rows = []);
      outboxes.set(tx, mine);
      tx.beforeCommit(() => outboxInsert(mine));
      if (opts.onCommitted) tx.afterCommit(opts.onCommitted);
    }
    return rows;
  };
  const write = async <C extends MessageContract>(
    tx: Tx,
    contract: C,
    payload: PayloadOf<C>,
    o: PublishOptions | undefined,
  ): Promise<Envelope<PayloadOf<C>>> => {
    const command = contract.kind === 'command';
    const exchange = command ? COMMANDS_EXCHANGE : EVENTS_EXCHANGE;
    const routingKey = command ? commandRoutingKey(contract.target!) : routingKeyOf(contract, payload);
    // The producer span of the message (messaging conventions: `publish <destination>`); its
    // context travels inside the envelope, so whoever handles the message continues this trace.
    const span = startSpan(opts.service, `publish ${exchange}`, {
      kind: SpanKind.PRODUCER,
      ...(o?.trace ? { parent: o.trace } : {}),
      attributes: () => messagingAttributes('publish', 'create', exchange, routingKey),
    });
    try {
      const envelope = buildEnvelope(opts.service, contract, payload, o);
      const traceparent = traceparentOf(span);
      if (traceparent !== undefined) envelope.traceparent = traceparent;
      if (span.isRecording()) {
        span.setAttribute('messaging.message.id', envelope.messageId);
        span.setAttribute('messaging.message.conversation_id', envelope.correlationId);
      }
      outboxOf(tx).push([envelope.messageId, envelope.type, exchange, routingKey, JSON.stringify(envelope)]);
      span.end();
      return envelope;
    } catch (error) {
      endSpanWithError(span, error);
      throw error;
    }
  };
  return {
    async publish(tx, contract, payload, o) {
      if (contract.kind !== 'event') {
        throw new MessageContractError(`${contract.type} is a command: use bus.send, not bus.publish`);
      }
      return write(tx, contract, payload, o);
    },
    async send(tx, contract, payload, o) {
      if (contract.kind !== 'command' || !contract.target) {
        throw new MessageContractError(`${contract.type} is not a command with a target: use bus.publish`);
      }
      return write(tx, contract, payload, o);
    },
  };
}

/** message_id, type, exchange, routing_key, body */
type OutboxRow = [string, string, string, string, string];

function outboxInsert(rows: OutboxRow[]): Statement {
  const column = (i: number) => rows.map((r) => r[i]);
  return {
    sql: `INSERT INTO outbox (message_id, type, exchange, routing_key, body)
          SELECT message_id, type, exchange, routing_key, body
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY
           AS m(message_id, type, exchange, routing_key, body, ord) ORDER BY ord`,
    params: [column(0), column(1), column(2), column(3), column(4)],
  };
}

export function buildEnvelope<C extends MessageContract>(
  source: string,
  contract: C,
  payload: PayloadOf<C>,
  o: PublishOptions = {},
): Envelope<PayloadOf<C>> {
  const parsed = contract.schema.safeParse(payload);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
    throw new MessageContractError(
      `invalid ${contract.type} v${contract.version} payload: ${issues.join('; ')}`,
    );
  }
  const ctx = currentContext();
  const organizationId = o.organizationId ?? ctx?.organizationId;
  if (!organizationId) {
    throw new MessageContractError(
      `${contract.type}: no organization (pass organizationId or publish in a context)`,
    );
  }
  const envelope = {
    messageId: randomUUID(),
    type: contract.type,
    version: contract.version,
    correlationId: o.correlationId ?? ctx?.correlationId ?? randomUUID(),
    causationId: o.causationId !== undefined ? o.causationId : (ctx?.causationId ?? null),
    organizationId,
    companyId: o.companyId !== undefined ? o.companyId : (ctx?.companyId ?? null),
    source,
    occurredAt: new Date().toISOString(),
    payload: parsed.data as PayloadOf<C>,
  };
  const checked = envelopeSchema.safeParse(envelope);
  if (!checked.success) {
    const issues = checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new MessageContractError(`${contract.type}: invalid envelope: ${issues.join('; ')}`);
  }
  return envelope;
}
