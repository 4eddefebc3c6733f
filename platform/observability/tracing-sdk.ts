import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Tracer } from '@opentelemetry/api';
import { installTracers } from './tracing.js';

export interface TracingOptions {
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`: the collector's base URL; spans go to `<endpoint>/v1/traces`. */
  endpoint: string;
  /** Longest wait before a batch of spans is sent (ms). */
  exportDelayMs?: number;
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
  installTracers(tracerOf);
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
