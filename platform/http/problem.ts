/**
 * Errors as RFC 9457 problem details (`application/problem+json`). `type` is a stable URN per kind
 * of problem, so clients branch on it rather than on the wording of `title` or `detail`.
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

const base = 'urn:dhanman:problem:';

export const PROBLEM_TYPES = {
  validation: `${base}validation`,
  badRequest: `${base}bad-request`,
  malformedBody: `${base}malformed-body`,
  unauthorized: `${base}unauthorized`,
  forbidden: `${base}forbidden`,
  notFound: `${base}not-found`,
  conflict: `${base}conflict`,
  idempotencyInProgress: `${base}idempotency-in-progress`,
  idempotencyKeyReused: `${base}idempotency-key-reused`,
  payloadTooLarge: `${base}payload-too-large`,
  unsupportedMediaType: `${base}unsupported-media-type`,
  unprocessable: `${base}unprocessable`,
  tooManyRequests: `${base}too-many-requests`,
  internal: `${base}internal`,
  dependencyUnavailable: `${base}dependency-unavailable`,
} as const;

/** One field the caller got wrong: where (`body`, `query`, `params`, `headers`), which, and why. */
export interface FieldError {
  in: string;
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  correlationId?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** A throwable problem: the error handler answers with exactly this status and body. */
export class ProblemError extends Error {
  readonly problem: Problem;
  readonly headers: Record<string, string>;

  constructor(problem: Problem, opts: { cause?: unknown; headers?: Record<string, string> } = {}) {
    super(problem.detail ?? problem.title, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProblemError';
    this.problem = problem;
    this.headers = opts.headers ?? {};
  }

  get status(): number {
    return this.problem.status;
  }
}

export function isProblemError(err: unknown): err is ProblemError {
  return err instanceof ProblemError;
}

function make(
  status: number,
  type: string,
  title: string,
  detail?: string,
  extensions: Record<string, unknown> = {},
): ProblemError {
  return new ProblemError({
    type,
    title,
    status,
    ...(detail === undefined ? {} : { detail }),
    ...extensions,
  });
}

export const validationFailed = (errors: FieldError[], detail = 'The request is not valid.') =>
  make(400, PROBLEM_TYPES.validation, 'Invalid request', detail, { errors });

export const badRequest = (detail: string) => make(400, PROBLEM_TYPES.badRequest, 'Bad request', detail);

export const unauthorized = (detail = 'A valid bearer token is required.') => {
  const err = make(401, PROBLEM_TYPES.unauthorized, 'Unauthorized', detail);
  err.headers['www-authenticate'] = 'Bearer';
  return err;
};

export const forbidden = (detail: string) => make(403, PROBLEM_TYPES.forbidden, 'Forbidden', detail);

export const notFound = (detail = 'The resource does not exist.') =>
  make(404, PROBLEM_TYPES.notFound, 'Not found', detail);

export const conflict = (detail: string, extensions?: Record<string, unknown>) =>
  make(409, PROBLEM_TYPES.conflict, 'Conflict', detail, extensions);

export const unprocessable = (detail: string, errors?: FieldError[]) =>
  make(422, PROBLEM_TYPES.unprocessable, 'Unprocessable request', detail, errors ? { errors } : {});

/** Why a call to another service could not be made. */
export type DependencyFailure =
  'circuit-open' | 'bulkhead-full' | 'timeout' | 'network' | 'status' | 'invalid-response';

/** A dependency could not answer: the caller gets a 503 at once, naming it. */
export class DependencyUnavailableError extends ProblemError {
  /** How long to wait before calling again (the target's `Retry-After`, the open circuit's rest), if known. */
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly dependency: string,
    readonly reason: DependencyFailure,
    detail: string,
    opts: { cause?: unknown; upstreamStatus?: number; retryAfterMs?: number } = {},
  ) {
    super(
      {
        type: PROBLEM_TYPES.dependencyUnavailable,
        title: 'Dependency unavailable',
        status: 503,
        detail,
        dependency,
        reason,
        ...(opts.upstreamStatus === undefined ? {} : { upstreamStatus: opts.upstreamStatus }),
      },
      {
        cause: opts.cause,
        headers:
          opts.retryAfterMs === undefined
            ? {}
            : { 'retry-after': String(Math.max(1, Math.ceil(opts.retryAfterMs / 1000))) },
      },
    );
    this.name = 'DependencyUnavailableError';
    this.retryAfterMs = opts.retryAfterMs;
  }
}

export const dependencyUnavailable = (
  dependency: string,
  detail = `${dependency} is unavailable.`,
  reason: DependencyFailure = 'network',
) => new DependencyUnavailableError(dependency, reason, detail);
