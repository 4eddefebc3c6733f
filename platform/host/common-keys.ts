import { createTokenVerifier, type TokenVerifier } from '../auth/verifier.js';
import type { ServiceDeps } from './service-definition.js';

/**
 * Tokens checked against Common's signing keys (at `jwksUrl`, else Common's JWKS), resolved on
 * first use: Common may start later, and its URL is known only once it listens (free ports in tests).
 */
export function commonKeysVerifier(deps: ServiceDeps, jwksUrl: string | undefined): TokenVerifier {
  let verifier: TokenVerifier | undefined;
  return {
    verify(token) {
      verifier ??= createTokenVerifier({
        issuer: deps.auth.issuer,
        audience: deps.auth.audience,
        keys: { jwksUrl: jwksUrl ?? `${deps.urlOf('common')}/.well-known/jwks.json` },
      });
      return verifier.verify(token);
    },
  };
}
