import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ServiceTokenProvider } from '../auth/service-tokens.js';
import type { ResilienceOptions } from './resilience.js';

/** The resilient client's surface: what callers pass and get back. */
export interface TargetOptions extends Partial<ResilienceOptions> {
  baseUrl?: string;
  /** Attach a service token for the organization being served (default true when a token provider is set). */
  auth?: boolean;
}

export interface HttpClientOptions {
  /** The calling service: metrics label and User-Agent. */
  service: string;
  /** Base URL of a target by name (the host's `urlOf`); `targets[name].baseUrl` wins. */
  baseUrlOf?: (target: string) => string;
  /** Numbers for every target (defaults: DEFAULT_RESILIENCE). */
  resilience?: Partial<ResilienceOptions>;
  /** Per-target overrides, e.g. `{ gateway: { breakerOpenMs: 60_000, auth: false } }`. */
  targets?: Record<string, TargetOptions>;
  tokens?: ServiceTokenProvider;
  log?: Logger;
  /** Largest response body read, in bytes (default 10 MiB). */
  maxResponseBytes?: number;
}

export interface HttpRequest<S extends z.ZodType = z.ZodType> {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path with optional `{name}` placeholders filled from `params` (URL-encoded). */
  path: string;
  params?: Record<string, string | number>;
  query?: Record<string, string | number | boolean | undefined | null>;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Makes a POST/PATCH retryable: the target answers a repeat with the first result. */
  idempotencyKey?: string;
  /**
   * Organization the call is made for (default: the current work context's). Inside a request or
   * message of one organization, naming another is refused: a service token is only ever for the
   * organization whose work caused the call.
   */
  organizationId?: string;
  /** Checks a 2xx JSON body; a body that does not match is a failed call (`invalid-response`). */
  schema?: S;
  signal?: AbortSignal;
}

export interface HttpResponse<T = unknown> {
  status: number;
  ok: boolean;
  headers: Record<string, string>;
  /** Parsed JSON (validated by `schema` on 2xx when one was given), else undefined. */
  body: T;
  text: string;
}

export type Options<S extends z.ZodType> = Omit<HttpRequest<S>, 'method' | 'path' | 'body'>;
export type ResponseOf<S extends z.ZodType | undefined> = HttpResponse<
  S extends z.ZodType ? z.infer<S> : unknown
>;

type Call = <S extends z.ZodType>(target: string, path: string, opts?: Options<S>) => Promise<ResponseOf<S>>;
type CallWithBody = <S extends z.ZodType>(
  target: string,
  path: string,
  body?: unknown,
  opts?: Options<S>,
) => Promise<ResponseOf<S>>;

export interface HttpClient {
  /**
   * Calls `target`. Answers (2xx-4xx, 404 included) are returned; a call that could not be made or
   * kept failing (breaker open, bulkhead full, timeout, network, 5xx/408/429 after retries) throws
   * a DependencyUnavailableError, which an endpoint turns into an immediate 503 naming the target.
   */
  request<S extends z.ZodType>(target: string, req: HttpRequest<S>): Promise<ResponseOf<S>>;
  get: Call;
  post: CallWithBody;
  put: CallWithBody;
  patch: CallWithBody;
  delete: Call;
  breakerState(target: string): 'closed' | 'half-open' | 'open';
  close(): Promise<void>;
}
