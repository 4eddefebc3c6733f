import { createHash, timingSafeEqual } from 'node:crypto';
import { request } from 'undici';
import { DependencyUnavailableError, forbidden, unauthorized } from '../http/problem.js';
import { ExpiringCache } from './expiring-cache.js';
import type { SignedToken, TokenSigner } from './signer.js';

/**
 * Service-to-service tokens, client-credentials style: a service proves who it is with its own
 * client id and secret and gets a short-lived token for one organization (the one whose request or
 * message it is serving), carrying the permissions granted to that service, or the fewer it asks
 * for. Asking for one it was not granted is refused: a token never holds more than its client.
 */
export interface ServiceClient {
  clientId: string;
  secret: string;
  permissions: string[];
}

export interface ServiceTokenRequest {
  clientId: string;
  clientSecret: string;
  organizationId: string;
  /** A subset of the client's permissions (least privilege); all of them when absent. */
  permissions?: readonly string[];
}

export interface ServiceTokenIssuer {
  /** Throws a 401 problem for an unknown client or a wrong secret, 403 for permissions it does not hold. */
  issue(req: ServiceTokenRequest): Promise<SignedToken>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function createServiceTokenIssuer(opts: {
  signer: TokenSigner;
  clients: ServiceClient[];
  ttlSeconds?: number;
}): ServiceTokenIssuer {
  // Secrets are long random strings, not passwords: a digest compared in constant time is enough.
  const clients = new Map(opts.clients.map((c) => [c.clientId, { ...c, digest: digest(c.secret) }]));
  const ttlSeconds = opts.ttlSeconds ?? 300;
  return {
    async issue(req) {
      const client = clients.get(req.clientId);
      const given = digest(req.clientSecret);
      if (!client || !timingSafeEqual(given, client.digest)) {
        throw unauthorized('Unknown client or wrong client secret.');
      }
      const beyond = (req.permissions ?? []).filter((p) => !client.permissions.includes(p));
      if (beyond.length > 0) {
        throw forbidden(`Client ${client.clientId} does not hold ${beyond.join(', ')}.`);
      }
      return opts.signer.sign(
        {
          subject: `service:${client.clientId}`,
          organizationId: req.organizationId,
          roles: ['service'],
          permissions: req.permissions ? [...new Set(req.permissions)] : client.permissions,
          kind: 'service',
        },
        { ttlSeconds },
      );
    },
  };
}

export interface ServiceTokenProvider {
  /** A valid bearer token for calls made on behalf of `organizationId` (cached until near expiry). */
  tokenFor(organizationId: string): Promise<string>;
  /** Forget the cached token (the target refused it: keys rotated, permissions changed). */
  invalidate(organizationId: string): void;
}

export type FetchServiceToken = (
  organizationId: string,
) => Promise<Pick<SignedToken, 'accessToken' | 'expiresIn'>>;

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
  /** Common's `POST /api/auth/token`, or an external issuer's token endpoint. */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /**
   * `dhanman`: JSON `{grantType, clientId, clientSecret, organizationId}` -> `{accessToken, expiresIn}`.
   * `oauth2`: a form-encoded RFC 6749 client-credentials request with an `organization_id` parameter.
   */
  format?: 'dhanman' | 'oauth2';
  timeoutMs?: number;
}

/** Fetches service tokens from the issuer over HTTP. */
export function clientCredentialsTokens(opts: ClientCredentialsOptions): ServiceTokenProvider {
  const format = opts.format ?? 'dhanman';
  return cachedServiceTokens(async (organizationId) => {
    const body =
      format === 'dhanman'
        ? JSON.stringify({
            grantType: 'client_credentials',
            clientId: opts.clientId,
            clientSecret: opts.clientSecret,
            organizationId,
          })
        : new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: opts.clientId,
            client_secret: opts.clientSecret,
            organization_id: organizationId,
          }).toString();
    let status: number;
    let text: string;
    try {
      const res = await request(opts.tokenUrl, {
        method: 'POST',
        headers: {
          'content-type': format === 'dhanman' ? 'application/json' : 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw new DependencyUnavailableError(
        'auth-token',
        'network',
        'The service token issuer cannot be reached.',
        {
          cause: err,
        },
      );
    }
    if (status !== 200) {
      throw new DependencyUnavailableError(
        'auth-token',
        'status',
        `The service token issuer answered ${status}.`,
        {
          upstreamStatus: status,
        },
      );
    }
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = {};
    }
    const accessToken = parsed.accessToken ?? parsed.access_token;
    const expiresIn = Number(parsed.expiresIn ?? parsed.expires_in ?? 300);
    if (typeof accessToken !== 'string' || !Number.isFinite(expiresIn)) {
      throw new DependencyUnavailableError(
        'auth-token',
        'invalid-response',
        'The token answer has no token.',
      );
    }
    return { accessToken, expiresIn };
  });
}
