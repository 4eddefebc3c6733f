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
  email: string;
  subject: string;
  organizationId: string;
  roles: string[];
  permissions: string[];
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
    roles: list(json.roles),
    permissions: list(json.permissions),
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
  idempotencyKey?: boolean;
  correlationId?: string;
}

/** Calls a service's own API with the signed-in user's token. */
export async function call<T>(service: Service, path: string, opts: CallOptions = {}): Promise<T> {
  const session = loadSession();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.idempotencyKey) headers['idempotency-key'] = crypto.randomUUID();
  if (opts.correlationId) headers['x-correlation-id'] = opts.correlationId;
  const res = await fetch(`/svc/${service}${path}`, {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  if (!res.ok) throw await problemOf(res);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? await res.json() : await res.text()) as T;
}

export async function signIn(email: string, password: string): Promise<Session> {
  const { accessToken } = await call<{ accessToken: string }>('common', '/api/auth/login', {
    body: { email, password },
  });
  const session = { token: accessToken, email, ...decodeClaims(accessToken) };
  saveSession(session);
  return session;
}

export const can = (session: Session | null, permission: string): boolean =>
  Boolean(session?.permissions.includes(permission));
