import { isSpanContextValid, type Context, type Span } from '@opentelemetry/api';
import {
  CORRELATION_ATTRIBUTE,
  SpanKind,
  SpanStatusCode,
  TRACEPARENT_HEADER,
  contextFromTraceparent,
  contextWith,
  startSpan,
  tracingEnabled,
  traceparentOf,
} from '../observability/tracing.js';
import type { Envelope } from './envelope.js';
import { headerText } from './headers.js';
import type { Delivery, OutgoingMessage } from './transport.js';

/** The attributes of a messaging span on RabbitMQ (OpenTelemetry messaging semantic conventions). */
export function messagingAttributes(
  operation: 'publish' | 'send' | 'process',
  operationType: 'create' | 'send' | 'process',
  destination: string,
  routingKey: string,
): Record<string, string> {
  return {
    'messaging.system': 'rabbitmq',
    'messaging.operation.name': operation,
    'messaging.operation.type': operationType,
    'messaging.destination.name': destination,
    'messaging.rabbitmq.destination.routing_key': routingKey,
  };
}

// Read from the serialized envelope without parsing it: the relay never needs the rest.
const TRACEPARENT_IN_BODY = /"traceparent":"([^"]{1,128})"/;
const CORRELATION_IN_BODY = /"correlationId":"([^"]{1,200})"/;

interface RelayedRow {
  message_id: string;
  exchange: OutgoingMessage['exchange'];
  routing_key: string;
  body: string;
}

/**
 * The relay's `send <exchange>` spans, one per message, each the child of the message's publish
 * span; their contexts go out in the `traceparent` header, so the consumer's span follows the send.
 * None when tracing is off (the consumer then continues the envelope's context).
 */
export function startSendSpans(service: string, rows: readonly RelayedRow[]): Span[] | undefined {
  if (!tracingEnabled()) return undefined;
  return rows.map((r) => {
    const span = startSpan(service, `send ${r.exchange}`, {
      kind: SpanKind.PRODUCER,
      parent: contextFromTraceparent(TRACEPARENT_IN_BODY.exec(r.body)?.[1]),
      attributes: () => ({
        ...messagingAttributes('send', 'send', r.exchange, r.routing_key),
        'messaging.message.id': r.message_id,
      }),
    });
    if (!span.isRecording()) return span;
    const correlationId = CORRELATION_IN_BODY.exec(r.body)?.[1];
    if (correlationId !== undefined) span.setAttribute(CORRELATION_ATTRIBUTE, correlationId);
    return span;
  });
}

export function sendHeaders(span: Span | undefined): Pick<OutgoingMessage, 'headers'> {
  const traceparent = span === undefined ? undefined : traceparentOf(span);
  return traceparent === undefined ? {} : { headers: { [TRACEPARENT_HEADER]: traceparent } };
}

export function endSpans(spans: Span[] | undefined, error?: unknown): void {
  for (const span of spans ?? []) {
    if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
    span.end();
  }
}

/** The trace context a message's handlers run in (set by the consumer, read where they run). */
const handlingContexts = new WeakMap<Envelope, Context>();

export function handlingContextOf(envelope: Envelope): Context | undefined {
  return handlingContexts.get(envelope);
}

/**
 * The consumer's `process <queue>` span: the child of the relay's send (the delivery's header)
 * or, without one, of the publish (the envelope's field): the same on both transports.
 */
export function startProcessSpan(
  service: string,
  d: Delivery,
  envelope: Envelope,
  /** The event's routing key (its type, or type and kind); commands travel by their queue's key. */
  eventKey: string = envelope.type,
): Span {
  const parent = contextFromTraceparent(headerText(d.headers[TRACEPARENT_HEADER]) ?? envelope.traceparent);
  const routingKey = d.queue.endsWith('.commands') ? d.queue : eventKey;
  const span = startSpan(service, `process ${d.queue}`, {
    kind: SpanKind.CONSUMER,
    parent,
    attributes: () => ({
      ...messagingAttributes('process', 'process', d.queue, routingKey),
      'messaging.message.id': envelope.messageId,
      'messaging.message.conversation_id': envelope.correlationId,
      'dhanman.attempt': d.attempt + 1,
      [CORRELATION_ATTRIBUTE]: envelope.correlationId,
    }),
  });
  if (isSpanContextValid(span.spanContext())) handlingContexts.set(envelope, contextWith(span, parent));
  return span;
}

export function endProcessSpan(span: Span, outcome: string, error?: unknown): void {
  if (span.isRecording()) {
    span.setAttribute('dhanman.outcome', outcome);
    if (error !== undefined)
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
  }
  span.end();
}
