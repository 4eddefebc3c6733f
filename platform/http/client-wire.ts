import { BrokenCircuitError, BulkheadRejectedError, TaskCancelledError } from 'cockatiel';
import { request as undiciRequest, type Agent } from 'undici';
import type { z } from 'zod';
import type { HttpResponse, HttpRequest } from './client-api.js';
import type { Target } from './client-targets.js';
import type { DependencyFailure } from './problem.js';
import type { RawResponse } from './resilience.js';

/** Why a call failed, as the caller's 503 will say it. */
export class CallFailed extends Error {
  constructor(
    readonly reason: DependencyFailure,
    message: string,
    readonly upstreamStatus?: number,
    /** How long our caller should wait: the target's `Retry-After`, or what is left of the open circuit's time. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The target's URL for a request: path parameters filled in and encoded, query appended. */
export function urlOf(t: Target, req: HttpRequest): string {
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
}

/** One attempt over the wire: the status, headers and whole body as text. */
export async function sendOnce(
  agent: Agent,
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal,
): Promise<RawResponse> {
  const res = await undiciRequest(url, { method, headers, body, signal, dispatcher: agent });
  // The agent refuses bodies over maxResponseBytes (UND_ERR_RES_EXCEEDED_MAX_SIZE).
  const text = await res.body.text();
  const answerHeaders: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers))
    if (v !== undefined) answerHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
  return { status: res.statusCode, headers: answerHeaders, text };
}

/** What went wrong with a call, in the caller's terms. */
export function failureOf(t: Target, err: unknown, maxResponseBytes: number): CallFailed {
  if (err instanceof CallFailed) return err;
  if (err instanceof BrokenCircuitError)
    // The wait is what is left of the open time: then the breaker lets a trial call through.
    return new CallFailed(
      'circuit-open',
      `the circuit to ${t.name} is open`,
      undefined,
      Math.max(1, t.policies.reopensInMs()),
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
  return new CallFailed('network', `${t.name} cannot be reached: ${(err as Error)?.message ?? String(err)}`);
}

/** The answer's JSON body, checked against `schema` when it is a success. */
export function parseResponse(t: Target, raw: RawResponse, schema: z.ZodType | undefined): HttpResponse {
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
}
