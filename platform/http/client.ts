import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { BrokenCircuitError, BulkheadRejectedError, TaskCancelledError } from 'cockatiel';
import { Agent, request as undiciRequest } from 'undici';
import type { z } from 'zod';
import { currentContext } from '../observability/context.js';
import {
  SpanKind,
  SpanStatusCode,
  startSpan,
  traceparentOf,
  TRACEPARENT_HEADER,
} from '../observability/tracing.js';
import { CORRELATION_HEADER } from './correlation.js';
import { IDEMPOTENCY_HEADER } from './idempotency.js';
import { httpMetrics } from './metrics.js';
import { DependencyUnavailableError, type DependencyFailure } from './problem.js';
import {
  BREAKER_STATE_NAME,
  BREAKER_STATE_VALUE,
  DEFAULT_RESILIENCE,
  buildPolicies,
  isTransientStatus,
  requestedWaitMs,
  type RawAnswer,
  type ResilienceOptions,
  type TargetPolicies,
} from './resilience.js';
import type { Answer, HttpAnswer, HttpClient, HttpClientOptions, HttpRequest } from './client-api.js';

export type { HttpAnswer, HttpClient, HttpClientOptions, HttpRequest, TargetOptions } from './client-api.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

interface Target {
  name: string;
  baseUrl: string;
  auth: boolean;
  options: ResilienceOptions;
  policies: TargetPolicies;
}

class CallFailed extends Error {
  constructor(
    readonly reason: DependencyFailure,
    message: string,
    readonly upstreamStatus?: number,
    /** How long our caller should wait: the target's `Retry-After`, or the open circuit's time. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

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
  const targets = new Map<string, Target>();

  const targetOf = (name: string): Target => {
    const existing = targets.get(name);
    if (existing) return existing;
    const over = opts.targets?.[name] ?? {};
    const baseUrl = (over.baseUrl ?? opts.baseUrlOf?.(name))?.replace(/\/+$/, '');
    if (!baseUrl) throw new Error(`no base URL configured for target ${name}`);
    const { baseUrl: _b, auth, ...numbers } = over;
    const options = { ...base, ...numbers };
    const policies = buildPolicies(options);
    const labels = { service, target: name };
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

  const urlOf = (t: Target, req: HttpRequest): string => {
    const path = req.path.replace(/\{(\w+)\}/g, (_m, key: string) => {
      const v = req.params?.[key];
      if (v === undefined) throw new Error(`missing path parameter ${key} for ${req.path}`);
      return encodeURIComponent(String(v));
    });
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {}))
      if (v !== undefined && v !== null) query.set(k, String(v));
    const qs = query.toString();
    return `${t.baseUrl}${path.startsWith('/') ? '' : '/'}${path}${qs ? `?${qs}` : ''}`;
  };

  const attempt = async (
    url: string,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<RawAnswer> => {
    const res = await undiciRequest(url, { method, headers, body, signal, dispatcher: agent });
    // The agent refuses bodies over maxResponseBytes (UND_ERR_RES_EXCEEDED_MAX_SIZE).
    const text = await res.body.text();
    const answerHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers))
      if (v !== undefined) answerHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
    return { status: res.statusCode, headers: answerHeaders, text };
  };

  const failure = (t: Target, err: unknown): CallFailed => {
    if (err instanceof CallFailed) return err;
    if (err instanceof BrokenCircuitError)
      return new CallFailed(
        'circuit-open',
        `the circuit to ${t.name} is open`,
        undefined,
        t.options.breakerOpenMs,
      );
    if (err instanceof BulkheadRejectedError) {
      return new CallFailed('bulkhead-full', `too many calls to ${t.name} in progress`);
    }
    if ((err as { code?: string })?.code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
      return new CallFailed('invalid-response', `${t.name} answered more than ${maxResponseBytes} bytes`);
    }
    if (err instanceof TaskCancelledError) {
      return new CallFailed('timeout', `${t.name} did not answer within ${t.options.timeoutMs} ms`);
    }
    return new CallFailed(
      'network',
      `${t.name} cannot be reached: ${(err as Error)?.message ?? String(err)}`,
    );
  };

  const once = async (
    t: Target,
    req: HttpRequest,
    token: string | undefined,
    traceparent: string | undefined,
  ): Promise<RawAnswer> => {
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
      ({ signal }) => attempt(url, method, headers, body, signal),
      req.signal ?? new AbortController().signal,
    );
  };

  const request = async <S extends z.ZodType>(
    targetName: string,
    req: HttpRequest<S>,
  ): Promise<Answer<S>> => {
    const t = targetOf(targetName);
    const organizationId = req.organizationId ?? currentContext()?.organizationId;
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
      let raw: RawAnswer;
      try {
        raw = await once(t, req, token, traceparent);
        if (raw.status === 401 && token !== undefined) {
          // The target refused our service token (expired early, keys rotated): fetch a new one, once.
          opts.tokens!.invalidate(organizationId!);
          token = await opts.tokens!.tokenFor(organizationId!);
          raw = await once(t, req, token, traceparent);
        }
      } catch (err) {
        throw failure(t, err);
      }
      if (isTransientStatus(raw.status)) {
        throw new CallFailed('status', `${t.name} answered ${raw.status}`, raw.status, requestedWaitMs(raw));
      }
      const answer = parse(t, raw, req.schema);
      outcome = raw.status >= 400 ? 'client-error' : 'success';
      return answer as Answer<S>;
    } catch (err) {
      if (err instanceof CallFailed) {
        outcome = err.reason === 'status' ? 'server-error' : err.reason;
        log?.warn({ target: t.name, method: req.method, path: req.path, reason: err.reason }, err.message);
        throw new DependencyUnavailableError(t.name, err.reason, err.message, {
          cause: err,
          ...(err.upstreamStatus === undefined ? {} : { upstreamStatus: err.upstreamStatus }),
          ...(err.retryAfterMs === undefined
            ? {}
            : { retryAfterSeconds: Math.ceil(err.retryAfterMs / 1000) }),
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

  const parse = (t: Target, raw: RawAnswer, schema: z.ZodType | undefined): HttpAnswer => {
    const isJson = /\bjson\b/i.test(raw.headers['content-type'] ?? '');
    let body: unknown;
    if (isJson && raw.text.length > 0) {
      try {
        body = JSON.parse(raw.text);
      } catch {
        throw new CallFailed('invalid-response', `${t.name} answered ${raw.status} with malformed JSON`);
      }
    }
    const ok = raw.status >= 200 && raw.status < 300;
    if (ok && schema) {
      const checked = schema.safeParse(body);
      if (!checked.success) {
        throw new CallFailed('invalid-response', `${t.name} answered ${raw.status} with an unexpected body`);
      }
      body = checked.data;
    }
    return { status: raw.status, ok, headers: raw.headers, body, text: raw.text };
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
