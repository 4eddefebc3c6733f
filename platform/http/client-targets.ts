import type { Logger } from 'pino';
import { httpMetrics } from './metrics.js';
import {
  BREAKER_STATE_NAME,
  BREAKER_STATE_VALUE,
  buildPolicies,
  type ResilienceOptions,
  type TargetPolicies,
} from './resilience.js';
import type { HttpClientOptions } from './client-api.js';

/** A service the client calls, with its own resilience policies (breaker, bulkhead, retries). */
export interface Target {
  name: string;
  baseUrl: string;
  auth: boolean;
  options: ResilienceOptions;
  policies: TargetPolicies;
}

/**
 * The client's targets, each built on first use from its settings, with its breaker state and
 * retries reported as metrics and log lines.
 */
export function targetRegistry(
  opts: Pick<HttpClientOptions, 'service' | 'targets' | 'baseUrlOf'>,
  base: ResilienceOptions,
  log: Logger | undefined,
): (name: string) => Target {
  const targets = new Map<string, Target>();
  return (name) => {
    const existing = targets.get(name);
    if (existing) return existing;
    const over = opts.targets?.[name] ?? {};
    const baseUrl = (over.baseUrl ?? opts.baseUrlOf?.(name))?.replace(/\/+$/, '');
    if (!baseUrl) throw new Error(`no base URL configured for target ${name}`);
    const { baseUrl: _b, auth, ...numbers } = over;
    const options = { ...base, ...numbers };
    const policies = buildPolicies(options);
    const labels = { service: opts.service, target: name };
    httpMetrics.breakerState.set(labels, 0);
    policies.breaker.onStateChange((state) => {
      httpMetrics.breakerState.set(labels, BREAKER_STATE_VALUE[state]);
      httpMetrics.breakerTransitions.inc({ ...labels, to: BREAKER_STATE_NAME[state] });
      const level = BREAKER_STATE_NAME[state] === 'open' ? 'warn' : 'info';
      log?.[level]({ target: name, state: BREAKER_STATE_NAME[state] }, 'circuit breaker changed state');
    });
    policies.onRetry(({ attempt, delay, reason }) => {
      httpMetrics.clientRetries.inc(labels);
      log?.warn({ target: name, attempt, delayMs: delay, reason }, 'retrying call');
    });
    const target: Target = { name, baseUrl, auth: auth ?? true, options, policies };
    targets.set(name, target);
    return target;
  };
}
