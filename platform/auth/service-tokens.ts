import { request } from 'undici';
import { DependencyUnavailableError, type DependencyFailure } from '../http/problem.js';
import { ExpiringCache } from './expiring-cache.js';

/**
 * The client half of service-to-service tokens (client credentials): every service asks Common for
 * a short-lived token per organization and keeps it until near expiry. Common's issuer is its own.
 */
export interface ServiceTokenProvider {
  /** A valid bearer token for calls made on behalf of `organizationId` (cached until near expiry). */
  tokenFor(organizationId: string): Promise<string>;
  /** Forget the cached token (the target refused it: keys rotated, permissions changed). */
  invalidate(organizationId: string): void;
}

export type FetchServiceToken = (
  organizationId: string,
) => Promise<{ accessToken: string; expiresIn: number }>;

/**
 * Caches tokens per organization and refreshes them `refreshMarginSeconds` before they expire;
 * concurrent callers for one organization share a single fetch.
 */
export function cachedServiceTokens(
  fetchToken: FetchServiceToken,
  opts: { refreshMarginSeconds?: number; maxEntries?: number; now?: () => number } = {},
): ServiceTokenProvider {
  const now = opts.now ?? Date.now;
  const margin = (opts.refreshMarginSeconds ?? 30) * 1000;
  const cache = new ExpiringCache<string>(opts.maxEntries ?? 10_000);
  const pending = new Map<string, Promise<string>>();
  return {
    async tokenFor(organizationId) {
      const hit = cache.get(organizationId, now());
      if (hit !== undefined) return hit;
      const inFlight = pending.get(organizationId);
      if (inFlight) return inFlight;
      const p = (async () => {
        try {
          const t = await fetchToken(organizationId);
          const refreshAt = now() + Math.max(t.expiresIn * 1000 - margin, (t.expiresIn * 1000) / 2);
          cache.set(organizationId, t.accessToken, refreshAt);
          return t.accessToken;
        } finally {
          pending.delete(organizationId);
        }
      })();
      pending.set(organizationId, p);
      return p;
    },
    invalidate(organizationId) {
      cache.delete(organizationId);
    },
  };
}

export interface ClientCredentialsOptions {
  /** Common's `POST /api/auth/token`. */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs?: number;
}

const unavailable = (
  reason: DependencyFailure,
  detail: string,
  opts?: { cause?: unknown; upstreamStatus?: number },
) => new DependencyUnavailableError('auth-token', reason, detail, opts);

/**
 * Fetches service tokens from the issuer over HTTP: JSON `{grantType, clientId, clientSecret,
 * organizationId}` answered by `{accessToken, expiresIn}`.
 */
export function clientCredentialsTokens(opts: ClientCredentialsOptions): ServiceTokenProvider {
  return cachedServiceTokens(async (organizationId) => {
    const { clientId, clientSecret } = opts;
    const body = JSON.stringify({ grantType: 'client_credentials', clientId, clientSecret, organizationId });
    let status: number;
    let text: string;
    try {
      const res = await request(opts.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw unavailable('network', 'The service token issuer cannot be reached.', { cause: err });
    }
    if (status !== 200) {
      throw unavailable('status', `The service token issuer answered ${status}.`, { upstreamStatus: status });
    }
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = {};
    }
    const accessToken = parsed.accessToken;
    const expiresIn = Number(parsed.expiresIn ?? 300);
    if (typeof accessToken !== 'string' || !Number.isFinite(expiresIn)) {
      throw unavailable('invalid-response', 'The token answer has no token.');
    }
    return { accessToken, expiresIn };
  });
}
