import { z } from 'zod';

/**
 * Who is calling, as every service sees it after verifying the token. A user acts for one
 * organization and some of its companies; a service acts for the organization of the request or
 * message it is serving.
 */
export interface Principal {
  kind: 'user' | 'service';
  subject: string;
  organizationId: string;
  companies: string[];
  roles: string[];
  permissions: string[];
  /**
   * The party the user acts as, when they act for themselves only (a resident paying their own
   * bills): services show such a caller only that party's documents.
   */
  customerId?: string;
  /**
   * Roles on the deployment itself, not in any organization: `operator` (the people who run it)
   * sees across organizations under `/api/ops/*` and holds the shared switches. Users only.
   */
  platformRoles?: string[];
}

/** The platform role of the people who run the deployment (see `isOperator`). */
export const OPERATOR = 'operator';

/** A permission is `resource:action`, e.g. `invoices:write`. */
export const PERMISSION_PATTERN = /^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*$/;

const permission = z.string().regex(PERMISSION_PATTERN, 'expected resource:action');

/**
 * The claims Dhanman's access tokens carry beyond the registered ones (iss, aud, exp, iat, jti).
 * An external OIDC issuer replacing Common must emit the same names; `scope` (space separated)
 * is accepted in place of `permissions`, as most issuers put granted scopes there.
 */
export const accessClaimsSchema = z
  .object({
    sub: z.string().min(1).max(200),
    org: z.string().min(1).max(200),
    companies: z.array(z.string().min(1).max(200)).max(1000).default([]),
    roles: z.array(z.string().min(1).max(100)).max(100).default([]),
    permissions: z.array(permission).max(500).optional(),
    scope: z.string().max(10_000).optional(),
    kind: z.enum(['user', 'service']).default('user'),
    cust: z.string().min(1).max(200).optional(),
    platformRoles: z.array(z.string().min(1).max(100)).max(20).optional(),
  })
  .refine((c) => c.permissions !== undefined || c.scope !== undefined, {
    message: 'expected permissions (or scope)',
    path: ['permissions'],
  });

export type AccessClaims = z.input<typeof accessClaimsSchema>;

/** Reads a verified token payload; undefined when the claims are not Dhanman's shape. */
export function principalFromPayload(payload: unknown): Principal | undefined {
  const parsed = accessClaimsSchema.safeParse(payload);
  if (!parsed.success) return undefined;
  const c = parsed.data;
  const fromScope = (c.scope ?? '').split(' ').filter((s) => permission.safeParse(s).success);
  return {
    kind: c.kind,
    subject: c.sub,
    organizationId: c.org,
    companies: c.companies,
    roles: c.roles,
    permissions: c.permissions ?? fromScope,
    ...(c.cust ? { customerId: c.cust } : {}),
    // A service acts for an organization's request or message, never as the platform.
    ...(c.platformRoles?.length && c.kind === 'user' ? { platformRoles: c.platformRoles } : {}),
  };
}

export function hasPermission(p: Principal, needed: string): boolean {
  return p.permissions.includes(needed);
}

/** An operator of the deployment: sees every organization's operations and the shared switches. */
export function isOperator(p: Principal): boolean {
  return p.kind === 'user' && (p.platformRoles ?? []).includes(OPERATOR);
}
