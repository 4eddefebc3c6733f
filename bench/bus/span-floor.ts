import { SpanKind } from '@opentelemetry/api';
import { messagingAttributes } from '#platform/messaging/tracing.js';
import { startSpan } from '#platform/observability/tracing.js';
import { startTracing } from '#platform/observability/tracing-sdk.js';
import { startOtlpSink } from '../otlp-sink.js';

/**
 * The OpenTelemetry SDK's own CPU per span, with nothing else running: a span started with a
 * messaging span's attributes, ended, batched and exported over OTLP/HTTP (JSON) to a collector in
 * another process, as the traced runs do. Kept spans times this is the least tracing every trace
 * costs, whatever the code around it does.
 */
export async function sdkCpuMsPerSpan(spans = 20_000): Promise<number> {
  const sink = await startOtlpSink();
  const tracing = startTracing({ endpoint: sink.endpoint, sampler: 'always_on' });
  try {
    const attributes = () => ({
      ...messagingAttributes('process', 'process', 'sales.invoice-created', 'sales.invoice-created.v1'),
      'messaging.message.id': '3f7a1c52-9d0e-4b7e-8a8f-0c3b1d2e4f5a',
      'messaging.message.conversation_id': '9b2e4d61-7c1a-4f3e-b5d8-2a6c0e9f1b37',
    });
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < spans; i += 1) {
      startSpan('bench', 'process sales.invoice-created', { kind: SpanKind.CONSUMER, attributes }).end();
      // 12,500 spans a second, three times the traced runs' pace: the batch processor's queue
      // (8,192) drains between bursts, as it does there, and no span is dropped.
      if (i % 250 === 249) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await tracing.shutdown();
    const cpu = process.cpuUsage(cpu0);
    // A span dropped from a full queue would cost less than one sent: count only a full delivery.
    const received = await sink.spans();
    if (received !== spans) throw new Error(`the collector received ${received} of ${spans} spans`);
    return (cpu.user + cpu.system) / 1000 / spans;
  } finally {
    await tracing.shutdown();
    await sink.close();
  }
}
