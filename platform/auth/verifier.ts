import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet } from 'jose';
import { DependencyUnavailableError, unauthorized } from '../http/problem.js';
import { principalFromPayload, type Principal } from './claims.js';
import { SIGNING_ALG } from './keys.js';

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
  return {
    async verify(token) {
      let payload: unknown;
      try {
        ({ payload } = await jwtVerify(token, keySet, {
          issuer: opts.issuer,
          audience: opts.audience,
          algorithms: [SIGNING_ALG],
          clockTolerance: opts.clockToleranceSeconds ?? 5,
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (err) {
        throw classify(err, 'jwksUrl' in opts.keys);
      }
      const principal = principalFromPayload(payload);
      if (!principal) throw unauthorized('The token does not carry the expected claims.');
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
