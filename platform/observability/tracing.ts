import {
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  isSpanContextValid,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { parseTraceParent } from '@opentelemetry/core';
import { currentContext } from './context.js';

export { SpanKind, SpanStatusCode, type Span, type Context };

/**
 * Tracing, after the OpenTelemetry conventions. The SDK starts only when an OTLP endpoint is
 * configured (see tracing-sdk.ts); otherwise every tracer is the API's no-op and a span costs an
 * object allocation. The trace context of the current unit of work travels in the work context
 * (context.ts) rather than in an OpenTelemetry context manager: the HTTP hooks and the message
 * handlers already enter that one store, so there is a single async-local context to keep right.
 */

/** Made by the SDK when it starts; absent, every service traces into the API's no-op. */
let tracerOf: ((service: string) => Tracer) | undefined;
/** The sampler follows the parent's decision (`parentbased_*`): a dropped trace stays dropped. */
let followsParent = false;

export function installTracers(
  factory: ((service: string) => Tracer) | undefined,
  options: { followsParent: boolean } = { followsParent: false },
): void {
  tracerOf = factory;
  followsParent = factory !== undefined && options.followsParent;
}

/** True when spans are recorded and exported (an OTLP endpoint is set). */
export function tracingEnabled(): boolean {
  return tracerOf !== undefined;
}

/** The trace context of the current work (a request or a message), or the root. */
export function activeTraceContext(): Context {
  return currentContext()?.trace ?? ROOT_CONTEXT;
}

export interface SpanOptions {
  kind: SpanKind;
  /** A function, so that nothing is built when tracing is off. */
  attributes?: () => Attributes;
  /** The parent; the current work's trace context when omitted. */
  parent?: Context;
}

/** Starts a span carrying the work's correlation id, as every span does. */
export function startSpan(service: string, name: string, o: SpanOptions): Span {
  const parent = o.parent ?? activeTraceContext();
  const passed = trace.getSpanContext(parent);
  // Off: no span, only the caller's trace (if any) passed on, as the API's no-op tracer would.
  if (tracerOf === undefined) return passed === undefined ? NOOP_SPAN : trace.wrapSpanContext(passed);
  // Inside a trace the sampler dropped, a parent-based sampler drops this span too: pass the
  // parent's context on in the same way, without the SDK's span (its ids, sampler call and object
  // cost a dropped trace about 0.15 ms per invoice, measured in bench:invoices' profiles).
  if (followsParent && passed !== undefined && isDropped(passed)) return trace.wrapSpanContext(passed);
  // Attributes after the sampling decision, and only for a span that records: none of the
  // specification's samplers (tracing-sdk.ts) reads them, and a dropped trace should cost no more
  // than its span ids.
  const span = tracerOf(service).startSpan(name, { kind: o.kind }, parent);
  if (!span.isRecording()) return span;
  if (o.attributes) span.setAttributes(o.attributes());
  const correlationId = currentContext()?.correlationId;
  if (correlationId !== undefined) span.setAttribute(CORRELATION_ATTRIBUTE, correlationId);
  return span;
}

const NOOP_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

const isDropped = (sc: SpanContext): boolean =>
  isSpanContextValid(sc) && (sc.traceFlags & TraceFlags.SAMPLED) === 0;

export const CORRELATION_ATTRIBUTE = 'dhanman.correlation_id';

/** Marks the span failed with the error, then ends it. */
export function endSpanWithError(span: Span, error: unknown): void {
  if (span.isRecording()) {
    if (error instanceof Error) span.recordException(error);
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
  }
  span.end();
}

/** Runs `fn` inside a child span of the current work, ending it with the outcome. */
export async function inSpan<T>(
  service: string,
  name: string,
  o: SpanOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const span = startSpan(service, name, o);
  try {
    const result = await fn(span);
    span.end();
    return result;
  } catch (error) {
    endSpanWithError(span, error);
    throw error;
  }
}

/** The context whose current span is `span` (to hand to the work it covers). */
export function contextWith(span: Span, parent: Context = activeTraceContext()): Context {
  return trace.setSpan(parent, span);
}

export const TRACEPARENT_HEADER = 'traceparent';

/** The W3C `traceparent` (`00-<trace id>-<span id>-<flags>`) naming `span` as the parent, if any. */
export function traceparentOf(span: Span): string | undefined {
  const sc = span.spanContext();
  if (!isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-0${(sc.traceFlags & TraceFlags.SAMPLED).toString(16)}`;
}

/** The remote parent a `traceparent` names, as a context (the root when it is absent or malformed). */
export function contextFromTraceparent(value: unknown): Context {
  const sc = typeof value === 'string' ? parseTraceParent(value.trim()) : null;
  if (!sc || !isSpanContextValid(sc)) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    ...sc,
    traceFlags: sc.traceFlags & TraceFlags.SAMPLED,
    isRemote: true,
  });
}
