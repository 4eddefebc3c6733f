import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { AccessClaims } from '#platform/auth/claims.js';
import { SIGNING_ALG } from '#platform/auth/verifier.js';
import type { SigningKeys } from './keys.js';

/** What a token signer is asked to put into a token. */
export interface PrincipalClaims {
  subject: string;
  organizationId: string;
  companies?: string[];
  roles?: string[];
  permissions: string[];
  kind?: 'user' | 'service';
  customerId?: string | null;
  platformRoles?: string[];
}

/** The issuer's half of the claim format; every service reads it back with `principalFromPayload`. */
export function claimsOf(p: PrincipalClaims): AccessClaims {
  return {
    sub: p.subject,
    org: p.organizationId,
    companies: p.companies ?? [],
    roles: p.roles ?? [],
    permissions: p.permissions,
    kind: p.kind ?? 'user',
    ...(p.customerId ? { cust: p.customerId } : {}),
    ...(p.platformRoles?.length ? { platformRoles: p.platformRoles } : {}),
  };
}

export interface TokenSignerOptions {
  keys: SigningKeys;
  issuer: string;
  audience: string;
  /** Lifetime of a user's access token (default one hour). */
  accessTokenTtlSeconds?: number;
}

export interface SignedToken {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

export interface TokenSigner {
  readonly issuer: string;
  readonly audience: string;
  sign(claims: PrincipalClaims, opts?: { ttlSeconds?: number }): Promise<SignedToken>;
}

/** Signs RS256 access tokens with the active key; its kid goes in the header so verifiers pick the key. */
export function createTokenSigner(opts: TokenSignerOptions): TokenSigner {
  const defaultTtl = opts.accessTokenTtlSeconds ?? 3600;
  return {
    issuer: opts.issuer,
    audience: opts.audience,
    async sign(claims, o = {}) {
      const ttl = o.ttlSeconds ?? defaultTtl;
      const accessToken = await new SignJWT({ ...claimsOf(claims) })
        .setProtectedHeader({ alg: SIGNING_ALG, kid: opts.keys.active.kid, typ: 'at+jwt' })
        .setIssuer(opts.issuer)
        .setAudience(opts.audience)
        .setIssuedAt()
        .setExpirationTime(`${ttl}s`)
        .setJti(randomUUID())
        .sign(opts.keys.active.privateKey);
      return { accessToken, tokenType: 'Bearer', expiresIn: ttl };
    },
  };
}
