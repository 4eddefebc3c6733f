import type { Principal } from '../auth/claims.js';
import type { WorkContext } from '../observability/context.js';
import type { IdempotencyHandle } from './idempotency.js';
import type { RateClass } from './security-config.js';

/**
 * What every route declares in `config`, and what every request carries. A route must declare
 * either the permission it needs or that it is public; the app refuses to start otherwise.
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** `resource:action` the caller's token must grant (e.g. `customers:read`). */
    permission?: string;
    /**
     * Only an operator of the deployment (a platform role, not an organization's): for what every
     * organization shares, such as the mail delivery switch. Anyone else gets 403.
     */
    operatorOnly?: boolean;
    /** Open to anyone: health, metrics, JWKS, login. */
    public?: boolean;
    /** Takes an `Idempotency-Key` header: `required` answers 400 without one. */
    idempotency?: 'required' | 'optional';
    /** Which request budget the route draws on (default: ops paths, else reads for GET, writes). */
    rateClass?: RateClass;
  }

  interface FastifyRequest {
    /** The verified caller (set on every non-public route before its handler runs). */
    principal?: Principal;
    /** The unit of work of this request (correlation id, organization): see observability/context. */
    workContext: WorkContext;
    /** Set on routes with `config.idempotency` when the request carries a key. */
    idempotency?: IdempotencyHandle;
  }
}

export {};
