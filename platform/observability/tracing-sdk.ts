import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import type { Tracer } from '@opentelemetry/api';
import { installTracers } from './tracing.js';

export interface TracingOptions {
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`: the collector's base URL; spans go to `<endpoint>/v1/traces`. */
  endpoint: string;
  /** Longest wait before a batch of spans is sent (ms). */
  exportDelayMs?: number;
  /** `OTEL_TRACES_SAMPLER` (the specification's names); default `parentbased_always_on`. */
  sampler?: SamplerName;
  /** `OTEL_TRACES_SAMPLER_ARG`: the share of new traces kept by the `*traceidratio` samplers. */
  samplerRatio?: number;
}

export const SAMPLER_NAMES = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/**
 * Head sampling as the OpenTelemetry specification names it. A parent-based sampler follows the
 * `sampled` flag of the trace it continues, so a trace kept at the HTTP edge is kept in every
 * service and message it reaches, and a dropped one costs a non-recording span everywhere.
 */
export function samplerOf(name: SamplerName = 'parentbased_always_on', ratio = 1): Sampler {
  const root = name.endsWith('always_on')
    ? new AlwaysOnSampler()
    : name.endsWith('always_off')
      ? new AlwaysOffSampler()
      : new TraceIdRatioBasedSampler(ratio);
  return name.startsWith('parentbased_') ? new ParentBasedSampler({ root }) : root;
}

export interface TracingHandle {
  /** Sends what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

let active: { handle: TracingHandle; users: number } | undefined;

/**
 * Starts the OpenTelemetry SDK: one tracer provider per service (the embedded mode runs several
 * services in one process, and each must appear under its own `service.name`), each batching its
 * spans to the OTLP/HTTP endpoint (JSON). Several systems of one process share it; the last
 * `shutdown` flushes and stops it.
 */
export function startTracing(opts: TracingOptions): TracingHandle {
  if (active) {
    active.users += 1;
    return active.handle;
  }
  const url = `${opts.endpoint.replace(/\/+$/, '')}/v1/traces`;
  const providers = new Map<string, BasicTracerProvider>();
  const tracers = new Map<string, Tracer>();
  const tracerOf = (service: string): Tracer => {
    const known = tracers.get(service);
    if (known) return known;
    const provider = new BasicTracerProvider({
      sampler: samplerOf(opts.sampler, opts.samplerRatio),
      resource: resourceFromAttributes({ 'service.name': service, 'service.namespace': 'dhanman' }),
      spanProcessors: [
        new BatchSpanProcessor(new OTLPTraceExporter({ url }), {
          scheduledDelayMillis: opts.exportDelayMs ?? 1_000,
          maxExportBatchSize: 512,
          maxQueueSize: 8_192,
        }),
      ],
    });
    const tracer = provider.getTracer('dhanman');
    providers.set(service, provider);
    tracers.set(service, tracer);
    return tracer;
  };
  installTracers(tracerOf, {
    followsParent: (opts.sampler ?? 'parentbased_always_on').startsWith('parentbased_'),
  });
  const handle: TracingHandle = {
    async shutdown() {
      if (!active || --active.users > 0) return;
      active = undefined;
      installTracers(undefined);
      await Promise.all([...providers.values()].map((p) => p.shutdown().catch(() => undefined)));
    },
  };
  active = { handle, users: 1 };
  return handle;
}
