import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { isOperator } from '#platform/auth/claims.js';
import type { TokenVerifier } from '#platform/auth/verifier.js';
import { forbidden, unauthorized } from '#platform/http/problem.js';

/** Who may call a route: the merchant's API key (Sales), an operator, or both. */
export type Caller = 'merchant' | 'operator';

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{1,8192})$/i;
const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The gateway's own check of its callers, as a provider does: the merchant's API key (compared in
 * constant time) or a token Common signed for someone holding the `operator` role. Organization
 * tokens are refused (403): the gateway is shared by every organization, none of them runs it.
 */
export function gatewayAccess(apiKey: string, verifier: TokenVerifier) {
  const keyDigest = digest(apiKey);
  return (allowed: readonly Caller[]) =>
    async (request: FastifyRequest): Promise<void> => {
      const match = BEARER.exec(request.headers.authorization ?? '');
      if (!match) {
        throw unauthorized(
          'The gateway needs the merchant API key or an operator token (Authorization: Bearer).',
        );
      }
      const presented = match[1]!;
      if (timingSafeEqual(digest(presented), keyDigest)) {
        if (allowed.includes('merchant')) return;
        throw forbidden(
          'Only an operator may do this; the merchant key may charge, refund and read charges.',
        );
      }
      // Not the key: it must be a token Common signed (401 otherwise), held by an operator (403).
      const principal = await verifier.verify(presented);
      if (isOperator(principal) && allowed.includes('operator')) return;
      throw forbidden('The payment gateway answers only the merchant key and operators.');
    };
}
