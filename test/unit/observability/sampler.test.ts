import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { samplerOf } from '#platform/observability/tracing-sdk.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const parentWith = (flags: TraceFlags) =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: '00f067aa0ba902b7',
    traceFlags: flags,
    isRemote: true,
  });
const decide = (name: Parameters<typeof samplerOf>[0], ratio: number, ctx = ROOT_CONTEXT) =>
  samplerOf(name, ratio).shouldSample(ctx, TRACE_ID, 'POST /api/invoices', SpanKind.SERVER, {}, []).decision;

describe('head sampling (OTEL_TRACES_SAMPLER)', () => {
  it('keeps every trace by default', () => {
    expect(decide(undefined, 1)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('parent-based: a trace kept upstream is kept here, a dropped one stays dropped, whatever the ratio', () => {
    expect(decide('parentbased_traceidratio', 0, parentWith(TraceFlags.SAMPLED))).toBe(
      SamplingDecision.RECORD_AND_SAMPLED,
    );
    expect(decide('parentbased_traceidratio', 1, parentWith(TraceFlags.NONE))).toBe(
      SamplingDecision.NOT_RECORD,
    );
  });

  it('a new trace is kept by its trace id against the ratio', () => {
    expect(decide('parentbased_traceidratio', 0)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide('parentbased_traceidratio', 1)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide('always_off', 1, parentWith(TraceFlags.SAMPLED))).toBe(SamplingDecision.NOT_RECORD);
  });
});
