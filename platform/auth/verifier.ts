import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet } from 'jose';
import { DependencyUnavailableError, unauthorized } from '../http/problem.js';
import { principalFromPayload, type Principal } from './claims.js';
import { ExpiringCache } from './expiring-cache.js';

/** The one algorithm tokens are signed with (by Common) and accepted with (by every service). */
export const SIGNING_ALG = 'RS256';

/**
 * Where a verifier finds the issuer's public keys: Common's (or an external OIDC issuer's) JWKS
 * URL, fetched once and cached, or a key set in hand (the issuer itself, tests).
 */
export type KeySource =
  { jwksUrl: string; cacheMaxAgeMs?: number; cooldownMs?: number } | { jwks: JSONWebKeySet };

export interface VerifierOptions {
  issuer: string;
  audience: string;
  keys: KeySource;
  /** Leeway for clocks that disagree a little (default 5 s). */
  clockToleranceSeconds?: number;
}

/**
 * Tokens already verified are remembered (at most this many, by their exact text) until they
 * expire. A client sends the same token with every request for its lifetime, and an RS256 check
 * costs more CPU than the rest of a short request. The same text always verifies the same way; what
 * the cache gives up is noticing a signing key withdrawn from the JWKS before the token's own
 * expiry, which a JWKS refresh would only notice within its cache age anyway.
 */
const VERIFIED_TOKENS_KEPT = 10_000;

export interface TokenVerifier {
  /** The caller behind a bearer token; throws a 401 problem, or a 503 when the keys cannot be fetched. */
  verify(token: string): Promise<Principal>;
}

export function createTokenVerifier(opts: VerifierOptions): TokenVerifier {
  const keySet =
    'jwks' in opts.keys
      ? createLocalJWKSet(opts.keys.jwks)
      : createRemoteJWKSet(new URL(opts.keys.jwksUrl), {
          cacheMaxAge: opts.keys.cacheMaxAgeMs ?? 10 * 60_000,
          cooldownDuration: opts.keys.cooldownMs ?? 30_000,
          timeoutDuration: 5_000,
        });
  const tolerance = opts.clockToleranceSeconds ?? 5;
  const verified = new ExpiringCache<Principal>(VERIFIED_TOKENS_KEPT);
  return {
    async verify(token) {
      const known = verified.get(token, Date.now() - tolerance * 1000);
      if (known) return known;
      let payload: { exp?: number };
      try {
        ({ payload } = await jwtVerify(token, keySet, {
          issuer: opts.issuer,
          audience: opts.audience,
          algorithms: [SIGNING_ALG],
          clockTolerance: tolerance,
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (err) {
        throw classify(err, 'jwksUrl' in opts.keys);
      }
      const principal = principalFromPayload(payload);
      if (!principal) throw unauthorized('The token does not carry the expected claims.');
      verified.set(token, Object.freeze(principal), (payload.exp ?? 0) * 1000);
      return principal;
    },
  };
}

function classify(err: unknown, remoteKeys: boolean): Error {
  if (err instanceof errors.JWTExpired) return unauthorized('The token has expired.');
  if (err instanceof errors.JWTClaimValidationFailed) {
    return unauthorized(`The token's ${err.claim} claim is not accepted.`);
  }
  const keysUnreachable =
    err instanceof errors.JWKSTimeout ||
    err instanceof errors.JWKSInvalid ||
    !(err instanceof errors.JOSEError);
  if (remoteKeys && keysUnreachable) {
    // Not the caller's fault: the issuer's keys could not be fetched.
    return new DependencyUnavailableError(
      'auth-keys',
      'network',
      'The token issuer keys cannot be fetched.',
      {
        cause: err,
      },
    );
  }
  return unauthorized('The token is not valid.');
}
