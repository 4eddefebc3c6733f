import { createHttpClient, type HttpClient, type HttpClientOptions } from '#platform/http/client.js';
import { DependencyUnavailableError } from '#platform/http/problem.js';
import type { ResilienceOptions } from '#platform/http/resilience.js';
import { rejectionOf } from '../../support/rejection.js';
import { waitFor } from '../../support/wait.js';
import { uniqueService } from './observe.js';
import { startUpstream, type Upstream } from './upstream.js';

/** The resilient client's tests: a scripted upstream, and a client for it with fast numbers. */
export const FAST: Partial<ResilienceOptions> = {
  timeoutMs: 1_000,
  retryDelaysMs: [60, 120, 240],
  breakerThreshold: 5,
  breakerOpenMs: 400,
  bulkheadLimit: 8,
  bulkheadQueue: 8,
};

/** What a test opened, closed last-first by `closeAll` (each test file runs it after each test). */
export const cleanup: Array<() => Promise<unknown>> = [];
export async function closeAll(): Promise<void> {
  while (cleanup.length) await cleanup.pop()!();
}

export async function setUp(
  resilience: Partial<ResilienceOptions> = {},
  extra: Partial<HttpClientOptions> = {},
): Promise<{ upstream: Upstream; client: HttpClient; service: string }> {
  const upstream = await startUpstream();
  const service = uniqueService('client');
  const client = createHttpClient({
    service,
    targets: { common: { baseUrl: upstream.url } },
    resilience: { ...FAST, ...resilience },
    ...extra,
  });
  cleanup.push(
    () => upstream.close(),
    () => client.close(),
  );
  return { upstream, client, service };
}

export const failure = (p: Promise<unknown>): Promise<DependencyUnavailableError> =>
  rejectionOf(p, DependencyUnavailableError);

export const gaps = (u: Upstream) => u.received.slice(1).map((r, i) => r.at - u.received[i]!.at);

/**
 * Calls, as a caller would, until the breaker lets one through to the target instead of refusing
 * it at once; returns what that call got (an answer's status or a failure) and when it ended.
 */
export function firstCallThrough(
  call: () => Promise<{ status: number }>,
): Promise<{ status?: number; error?: DependencyUnavailableError; at: number }> {
  return waitFor(
    'a call let through by the breaker',
    async () => {
      try {
        return { status: (await call()).status, at: performance.now() };
      } catch (err) {
        if (!(err instanceof DependencyUnavailableError)) throw err;
        return err.reason !== 'circuit-open' && { error: err, at: performance.now() };
      }
    },
    5_000,
    10,
  );
}
