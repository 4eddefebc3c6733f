import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';
import type { z } from 'zod';
import { currentContext } from '../observability/context.js';
import {
  SpanKind,
  SpanStatusCode,
  startSpan,
  traceparentOf,
  TRACEPARENT_HEADER,
} from '../observability/tracing.js';
import type { ResponseOf, HttpClient, HttpClientOptions, HttpRequest } from './client-api.js';
import { targetRegistry, type Target } from './client-targets.js';
import { CallFailed, failureOf, parseResponse, sendOnce, urlOf } from './client-wire.js';
import { CORRELATION_HEADER } from './correlation.js';
import { IDEMPOTENCY_HEADER } from './idempotency.js';
import { httpMetrics } from './metrics.js';
import { DependencyUnavailableError } from './problem.js';
import {
  BREAKER_STATE_NAME,
  DEFAULT_RESILIENCE,
  isTransientStatus,
  requestedWaitMs,
  type RawResponse,
} from './resilience.js';

export type {
  HttpResponse,
  HttpClient,
  HttpClientOptions,
  HttpRequest,
  TargetOptions,
} from './client-api.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/**
 * The resilient service-to-service client: per target a timeout, retries of idempotent calls, a
 * circuit breaker and a bulkhead; the caller's correlation id and organization's service token on
 * every call; any failure a DependencyUnavailableError (a 503 for our caller).
 */
export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const { service } = opts;
  const log = opts.log;
  const base = { ...DEFAULT_RESILIENCE, ...opts.resilience };
  const maxResponseBytes = opts.maxResponseBytes ?? 10 * 1024 * 1024;
  const agent = new Agent({
    keepAliveTimeout: 10_000,
    connections: base.bulkheadLimit,
    maxResponseSize: maxResponseBytes,
  });
  const targetOf = targetRegistry(opts, base, log);

  const once = async (
    t: Target,
    req: HttpRequest,
    token: string | undefined,
    traceparent: string | undefined,
  ): Promise<RawResponse> => {
    const method = req.method;
    const idempotent = SAFE_METHODS.has(method) || req.idempotencyKey !== undefined;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': `dhanman-${service}`,
      [CORRELATION_HEADER]: currentContext()?.correlationId ?? randomUUID(),
      ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(req.idempotencyKey === undefined ? {} : { [IDEMPOTENCY_HEADER]: req.idempotencyKey }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(traceparent === undefined ? {} : { [TRACEPARENT_HEADER]: traceparent }),
      ...req.headers,
    };
    const url = urlOf(t, req);
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const policy = idempotent ? t.policies.retrying : t.policies.single;
    // A signal of the call's own: cockatiel hangs the timeout's listener on it (its shared default
    // signal would collect one listener per call in flight).
    return policy.execute(
      ({ signal }) => sendOnce(agent, url, method, headers, body, signal),
      req.signal ?? new AbortController().signal,
    );
  };

  const request = async <S extends z.ZodType>(
    targetName: string,
    req: HttpRequest<S>,
  ): Promise<ResponseOf<S>> => {
    const t = targetOf(targetName);
    const causing = currentContext()?.organizationId;
    if (req.organizationId !== undefined && causing !== undefined && req.organizationId !== causing) {
      throw new Error(
        `a call for organization ${req.organizationId} from work of organization ${causing}: refused`,
      );
    }
    const organizationId = req.organizationId ?? causing;
    const useToken =
      t.auth && opts.tokens !== undefined && organizationId !== undefined && !req.headers?.authorization;
    const started = performance.now();
    let outcome = 'success';
    // One client span per call, retries included (HTTP semantic conventions; the path is the template).
    const span = startSpan(service, `${req.method} ${req.path}`, {
      kind: SpanKind.CLIENT,
      attributes: () => ({
        'http.request.method': req.method,
        'server.address': t.name,
        'url.template': req.path,
      }),
    });
    const traceparent = traceparentOf(span);
    try {
      let token = useToken ? await opts.tokens!.tokenFor(organizationId!) : undefined;
      let raw: RawResponse;
      try {
        raw = await once(t, req, token, traceparent);
        if (raw.status === 401 && token !== undefined) {
          // The target refused our service token (expired early, keys rotated): fetch a new one, once.
          opts.tokens!.invalidate(organizationId!);
          token = await opts.tokens!.tokenFor(organizationId!);
          raw = await once(t, req, token, traceparent);
        }
      } catch (err) {
        throw failureOf(t, err, maxResponseBytes);
      }
      if (isTransientStatus(raw.status)) {
        throw new CallFailed('status', `${t.name} answered ${raw.status}`, raw.status, requestedWaitMs(raw));
      }
      const answer = parseResponse(t, raw, req.schema);
      outcome = raw.status >= 400 ? 'client-error' : 'success';
      return answer as ResponseOf<S>;
    } catch (err) {
      if (err instanceof CallFailed) {
        outcome = err.reason === 'status' ? 'server-error' : err.reason;
        log?.warn({ target: t.name, method: req.method, path: req.path, reason: err.reason }, err.message);
        throw new DependencyUnavailableError(t.name, err.reason, err.message, {
          cause: err,
          ...(err.upstreamStatus === undefined ? {} : { upstreamStatus: err.upstreamStatus }),
          ...(err.retryAfterMs === undefined ? {} : { retryAfterMs: err.retryAfterMs }),
        });
      }
      outcome = 'error';
      throw err;
    } finally {
      if (span.isRecording()) {
        span.setAttribute('dhanman.outcome', outcome);
        if (outcome !== 'success' && outcome !== 'client-error')
          span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      }
      span.end();
      httpMetrics.clientDuration.observe(
        { service, target: t.name, method: req.method, outcome },
        (performance.now() - started) / 1000,
      );
    }
  };

  return {
    request,
    get: (target, path, o) => request(target, { ...o, method: 'GET', path }),
    post: (target, path, body, o) => request(target, { ...o, method: 'POST', path, body }),
    put: (target, path, body, o) => request(target, { ...o, method: 'PUT', path, body }),
    patch: (target, path, body, o) => request(target, { ...o, method: 'PATCH', path, body }),
    delete: (target, path, o) => request(target, { ...o, method: 'DELETE', path }),
    breakerState: (target) => BREAKER_STATE_NAME[targetOf(target).policies.breaker.state],
    close: () => agent.close(),
  };
}
