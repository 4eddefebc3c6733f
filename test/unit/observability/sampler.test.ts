import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpan } from '#platform/observability/tracing.js';
import { samplerOf, startTracing, type SamplerName } from '#platform/observability/tracing-sdk.js';
import { startOtlpReceiver, type OtlpReceiver } from '../../support/otlp-receiver.js';

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

describe('spans inside a dropped trace', () => {
  // A real collector: the recorded spans are exported to it at shutdown.
  let collector: OtlpReceiver;
  beforeAll(async () => {
    collector = await startOtlpReceiver();
  });
  afterAll(() => collector.close());

  const childOf = async (sampler: SamplerName, flags: TraceFlags) => {
    const tracing = startTracing({ endpoint: collector.endpoint, sampler, samplerRatio: 1 });
    try {
      const span = startSpan('sales', 'POST /api/invoices', {
        kind: SpanKind.SERVER,
        parent: parentWith(flags),
      });
      const recording = span.isRecording();
      span.end();
      return { recording, context: span.spanContext() };
    } finally {
      await tracing.shutdown();
    }
  };

  it('parent-based: carry the dropped trace on unchanged and record nothing', async () => {
    const child = await childOf('parentbased_always_on', TraceFlags.NONE);
    expect(child.recording).toBe(false);
    expect(child.context).toMatchObject({
      traceId: TRACE_ID,
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.NONE,
    });
  });

  it('parent-based: a kept trace gets a recorded child of its own', async () => {
    const child = await childOf('parentbased_always_on', TraceFlags.SAMPLED);
    expect(child.recording).toBe(true);
    expect(child.context.traceId).toBe(TRACE_ID);
    expect(child.context.spanId).not.toBe('00f067aa0ba902b7');
  });

  it('a sampler that ignores the parent decides afresh', async () => {
    const child = await childOf('traceidratio', TraceFlags.NONE);
    expect(child.recording).toBe(true);
  });
});
