/** The services the console talks to, through its own server (`/svc/<service>/...`). */
export const SERVICES = ['common', 'community', 'sales', 'purchase', 'payroll', 'notification'] as const;
export type Service = (typeof SERVICES)[number];

/** A failed call, as a person reads it: the problem's title and detail. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly body: Record<string, unknown> = {},
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

export interface Session {
  token: string;
  /** Used once to get the next access token when this one runs out (it rotates on every use). */
  refreshToken?: string;
  email: string;
  subject: string;
  organizationId: string;
  roles: string[];
  permissions: string[];
  /** A resident's own customer (the token's `cust` claim), whose dues and statement they see. */
  customerId?: string;
}

const SESSION_KEY = 'dhanman.session';

/** The claims the console shows by (the services check them again on every call). */
function decodeClaims(token: string): Omit<Session, 'token' | 'email'> {
  const part = token.split('.')[1] ?? '';
  const json = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  return {
    subject: String(json.sub ?? ''),
    organizationId: String(json.org ?? json.organizationId ?? ''),
    // The operator is a platform role (a claim of its own), shown beside the organization's roles.
    roles: [...list(json.roles), ...list(json.platformRoles)],
    permissions: list(json.permissions),
    ...(typeof json.cust === 'string' ? { customerId: json.cust } : {}),
  };
}

export function loadSession(): Session | null {
  const raw = sessionStorage.getItem(SESSION_KEY);
  return raw ? (JSON.parse(raw) as Session) : null;
}

export function saveSession(session: Session | null): void {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
}

async function problemOf(res: Response): Promise<ApiError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const title = typeof body.title === 'string' ? body.title : res.statusText || `HTTP ${res.status}`;
    const detail = typeof body.detail === 'string' ? body.detail : undefined;
    return new ApiError(res.status, title, detail, body);
  } catch {
    return new ApiError(res.status, res.statusText || `HTTP ${res.status}`, text.slice(0, 200) || undefined);
  }
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  /**
   * The Idempotency-Key: a person's action passes its own (useAction keeps one per action across
   * its retries); `true` makes one for this call alone. The same key goes on the call's resend
   * after a token refresh.
   */
  idempotencyKey?: string | boolean;
  correlationId?: string;
  /** `text/csv`, `application/pdf`: the answer is then read as a Blob. */
  accept?: string;
}

/**
 * The refresh in flight, if any. The refresh token rotates on every use and Common revokes the
 * whole family when one is used twice (theft, as far as it can tell): so pages whose calls all
 * meet a 401 at once must share one refresh rather than each spending the same token.
 */
let refreshing: Promise<Session | null> | null = null;

/** A new access token from the refresh token, or null when the session is over. */
export function refreshOnce(expired: Session): Promise<Session | null> {
  const current = loadSession();
  // Another call already renewed the token this one was sent with: use the new one.
  if (current && current.token !== expired.token) return Promise.resolve(current);
  refreshing ??= refreshed(current).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function refreshed(session: Session | null): Promise<Session | null> {
  if (!session?.refreshToken) return null;
  const res = await fetch('/svc/common/api/auth/refresh', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ refreshToken: session.refreshToken }),
  });
  if (!res.ok) return null;
  const body = (await res.json()) as { accessToken: string; refreshToken: string };
  const next = { ...session, token: body.accessToken, refreshToken: body.refreshToken };
  saveSession(next);
  return next;
}

/** Calls a service's own API with the signed-in user's token (renewed once when it has run out). */
export async function call<T>(service: Service, path: string, opts: CallOptions = {}): Promise<T> {
  const key = opts.idempotencyKey === true ? crypto.randomUUID() : opts.idempotencyKey || undefined;
  const session = loadSession();
  const first = await send(service, path, opts, key, session);
  if (first.status !== 401 || !session) return read<T>(first, opts.accept);
  const renewed = await refreshOnce(session);
  if (!renewed) return read<T>(first, opts.accept);
  return read<T>(await send(service, path, opts, key, renewed), opts.accept);
}

async function read<T>(res: Response, accept: string | undefined): Promise<T> {
  if (!res.ok) throw await problemOf(res);
  if (res.status === 204) return undefined as T;
  if (accept) return (await res.blob()) as T;
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? await res.json() : await res.text()) as T;
}

function send(
  service: Service,
  path: string,
  opts: CallOptions,
  key: string | undefined,
  session: Session | null,
): Promise<Response> {
  const headers: Record<string, string> = { accept: opts.accept ?? 'application/json' };
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (key) headers['idempotency-key'] = key;
  if (opts.correlationId) headers['x-correlation-id'] = opts.correlationId;
  return fetch(`/svc/${service}${path}`, {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
}

/** Fetches a file (CSV, PDF) with the user's token and hands it to the browser as a download. */
export async function download(
  service: Service,
  path: string,
  accept: string,
  filename: string,
): Promise<void> {
  const blob = await call<Blob>(service, path, { accept });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export async function signIn(email: string, password: string): Promise<Session> {
  const { accessToken, refreshToken } = await call<{ accessToken: string; refreshToken?: string }>(
    'common',
    '/api/auth/login',
    { body: { email, password } },
  );
  const session = { token: accessToken, refreshToken, email, ...decodeClaims(accessToken) };
  saveSession(session);
  return session;
}

/** Ends the session at Common too, so its refresh token cannot be used again. */
export async function signOut(): Promise<void> {
  const session = loadSession();
  saveSession(null);
  if (session?.refreshToken) {
    await fetch('/svc/common/api/auth/logout', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: session.refreshToken }),
    }).catch(() => undefined);
  }
}

export const can = (session: Session | null, permission: string): boolean =>
  Boolean(session?.permissions.includes(permission));
