import type { Logger } from 'pino';
import { clientCredentialsTokens } from '../auth/service-tokens.js';
import { createHttpClient, type HttpClient, type HttpClientOptions } from '../http/client.js';
import type { RuntimeConfig } from './runtime-config.js';

export interface ServiceClientOptions {
  service: string;
  config: RuntimeConfig;
  /** This service's own client secret (`<NAME>_CLIENT_SECRET`). */
  clientSecret: string;
  urlOf(target: string): string;
  log: Logger;
  /** Per-target overrides, e.g. an external provider that takes no service token. */
  targets?: HttpClientOptions['targets'];
}

/**
 * The one resilient client a service calls others with: the runtime's numbers (timeout, retry
 * ladder, breaker, bulkhead) and a service token of its own for the organization being served.
 */
export function createServiceHttpClient(opts: ServiceClientOptions): HttpClient {
  const { config } = opts;
  return createHttpClient({
    service: opts.service,
    baseUrlOf: opts.urlOf,
    resilience: {
      timeoutMs: config.HTTP_TIMEOUT_MS,
      retryDelaysMs: config.HTTP_RETRY_DELAYS_MS,
      breakerThreshold: config.HTTP_BREAKER_THRESHOLD,
      breakerOpenMs: config.HTTP_BREAKER_OPEN_MS,
      bulkheadLimit: config.HTTP_BULKHEAD_LIMIT,
      bulkheadQueue: config.HTTP_BULKHEAD_QUEUE,
    },
    targets: opts.targets,
    tokens: clientCredentialsTokens({
      // Read on each fetch: Common's URL may be known only once it listens.
      get tokenUrl() {
        return `${opts.urlOf('common')}/api/auth/token`;
      },
      clientId: opts.service,
      clientSecret: opts.clientSecret,
      timeoutMs: config.HTTP_TIMEOUT_MS,
    }),
    log: opts.log,
  });
}
