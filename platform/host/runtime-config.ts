import { z } from 'zod';
import { env, loadConfig } from '../config/env.js';
import { DEFAULT_RESILIENCE } from '../http/resilience.js';
import { DEFAULT_JOB_RETRY_DELAYS_SECONDS } from '../jobs/jobs.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_DELIVERY_LIMIT } from '../messaging/consumer.js';
import { SAMPLER_NAMES } from '../observability/tracing-sdk.js';
import { DEFAULT_OUTBOX_RETENTION_MS } from '../messaging/retention.js';
import { DEFAULT_CONCURRENCY, DEFAULT_PREFETCH, DEFAULT_RETRY_DELAYS_MS } from '../messaging/transport.js';

/**
 * Process-wide settings: where the data and the broker are, and the resilience numbers.
 * With neither DATABASE_URL nor AMQP_URL the process runs embedded (PGlite + in-process bus).
 */
export const runtimeConfigSchema = z.object({
  DATABASE_URL: env.url(['postgres', 'postgresql']).optional(),
  /** One RabbitMQ node, or the nodes of a cluster comma-separated: a connection that loses its node moves to the next. */
  AMQP_URL: env.urlList(['amqp', 'amqps']).optional(),
  DATABASE_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,30}$/, 'expected a lower-case identifier (letters, digits, _)')
    .default('dhanman'),
  /** Connections each service keeps to PostgreSQL: what bounds its transactions in flight. */
  DATABASE_POOL_SIZE: env.int(10, 2),
  DHANMAN_DATA_DIR: z.string().min(1).default('./.dhanman'),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Unset: pretty when stdout is a terminal, JSON otherwise. */
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  BUS_QUEUE_TYPE: z.enum(['quorum', 'classic']).default('quorum'),
  BUS_RETRY_DELAYS_MS: env.msList(DEFAULT_RETRY_DELAYS_MS),
  BUS_PREFETCH: env.int(DEFAULT_PREFETCH, 1),
  BUS_CONCURRENCY: env.int(DEFAULT_CONCURRENCY, 1),
  BUS_BATCH_SIZE: env.int(DEFAULT_BATCH_SIZE, 1),
  BUS_DELIVERY_LIMIT: env.int(DEFAULT_DELIVERY_LIMIT, 1),
  OUTBOX_RETENTION_MS: env.int(DEFAULT_OUTBOX_RETENTION_MS, 0),
  /** How long one instance's outbox relay stays the publisher without renewing: how soon another takes over after a crash. */
  OUTBOX_LEASE_MS: env.int(30_000, 100),
  JOB_RETRY_DELAYS_MS: env.msList(DEFAULT_JOB_RETRY_DELAYS_SECONDS.map((s) => s * 1000)),
  HTTP_TIMEOUT_MS: env.int(DEFAULT_RESILIENCE.timeoutMs, 1),
  HTTP_RETRY_DELAYS_MS: env.msList(DEFAULT_RESILIENCE.retryDelaysMs),
  HTTP_BREAKER_THRESHOLD: env.int(DEFAULT_RESILIENCE.breakerThreshold, 1),
  HTTP_BREAKER_OPEN_MS: env.int(DEFAULT_RESILIENCE.breakerOpenMs, 1),
  HTTP_BULKHEAD_LIMIT: env.int(DEFAULT_RESILIENCE.bulkheadLimit, 1),
  HTTP_BULKHEAD_QUEUE: env.int(DEFAULT_RESILIENCE.bulkheadQueue, 0),
  AUTH_ISSUER: z.string().min(1).default('dhanman-common'),
  AUTH_AUDIENCE: z.string().min(1).default('dhanman'),
  AUTH_JWKS_URL: env.url(['http', 'https']).optional(),
  SHUTDOWN_TIMEOUT_MS: env.int(15_000, 100),
  /** How long a saga runner holds an instance without renewing: how soon another process resumes it after a crash. */
  SAGA_LEASE_MS: env.int(30_000, 100),
  DHANMAN_DEMO: env.bool(false),
  DHANMAN_DEMO_PASSWORD: z.string().min(8, 'expected at least 8 characters').default('dhanman-demo'),
  /** Where spans go over OTLP/HTTP (`<endpoint>/v1/traces`); unset, tracing is off. */
  OTEL_EXPORTER_OTLP_ENDPOINT: env.url(['http', 'https']).optional(),
  /** Longest wait before buffered spans are exported (ms). */
  OTEL_BSP_SCHEDULE_DELAY: env.int(1_000, 1),
  /** Head sampling (see tracing-sdk.ts); every trace is kept unless this says otherwise. */
  OTEL_TRACES_SAMPLER: z.enum(SAMPLER_NAMES).default('parentbased_always_on'),
  /** The share of new traces kept by a `*traceidratio` sampler, 0 to 1. */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
});

export type RuntimeConfig = z.infer<typeof runtimeConfigSchema>;

/**
 * Reads the process-wide settings and checks every service's `<NAME>_PORT` and `<NAME>_URL`
 * up front, so one run reports every wrong variable at once, before anything starts.
 */
export function loadRuntimeConfig(
  source: Record<string, string | undefined> = process.env,
  servicePorts: Readonly<Record<string, number>> = {},
): RuntimeConfig {
  const endpoints: Record<string, z.ZodType> = {};
  for (const [name, port] of Object.entries(servicePorts)) {
    endpoints[`${name.toUpperCase()}_PORT`] = env.port(port);
    endpoints[`${name.toUpperCase()}_URL`] = env.url(['http', 'https']).optional();
  }
  return loadConfig(runtimeConfigSchema.extend(endpoints), source) as RuntimeConfig;
}

/** Port of a service: `<NAME>_PORT` wins over the design's default. */
export function portOf(service: string, defaultPort: number, source = process.env): number {
  const key = `${service.toUpperCase()}_PORT`;
  return loadConfig(z.object({ [key]: env.port(defaultPort) }), source)[key] as number;
}

/** Base URL of a service: `<NAME>_URL`, else loopback on its port. */
export function urlOf(service: string, defaultPort: number, source = process.env): string {
  const key = `${service.toUpperCase()}_URL`;
  const parsed = loadConfig(z.object({ [key]: env.url(['http', 'https']).optional() }), source);
  return (parsed[key] as string | undefined) ?? `http://127.0.0.1:${portOf(service, defaultPort, source)}`;
}
