import { createHash, timingSafeEqual } from 'node:crypto';
import { forbidden, unauthorized } from '#platform/http/problem.js';
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
