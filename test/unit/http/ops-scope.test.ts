import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { isOperator, principalFromPayload, type Principal } from '#platform/auth/claims.js';
import { claimsOf } from '#services/common/auth/signer.js';
import { callerScopeOf, inOpsScope, opsScopeOf, organizationFilter } from '#platform/http/ops-scope.js';

const ORG = '0b6f1d1e-8f3a-4c56-9a21-5d0c7e1a0001';
const OTHER = '7c1e2d3f-0000-4000-8000-000000000002';

const principal = (over: Partial<Principal> = {}): Principal => ({
  kind: 'user',
  subject: 'u1',
  organizationId: ORG,
  companies: [],
  roles: ['admin'],
  permissions: ['ops:jobs'],
  ...over,
});
const requestOf = (p: Principal) => ({ principal: p }) as unknown as FastifyRequest;
const operator = principal({ roles: [], platformRoles: ['operator'] });

describe('the operator platform role', () => {
  it('travels as a claim of its own, and only a user token carries it', () => {
    const claims = claimsOf({
      subject: 'u1',
      organizationId: ORG,
      permissions: [],
      platformRoles: ['operator'],
    });
    expect(claims).toMatchObject({ roles: [], platformRoles: ['operator'] });
    expect(isOperator(principalFromPayload(claims)!)).toBe(true);
    // A service acts for an organization's request or message, never as the platform.
    expect(isOperator(principalFromPayload({ ...claims, kind: 'service' })!)).toBe(false);
    // An organization role named "operator" is no platform role.
    expect(
      isOperator(principalFromPayload({ ...claims, platformRoles: undefined, roles: ['operator'] })!),
    ).toBe(false);
    expect(claimsOf({ subject: 'u1', organizationId: ORG, permissions: [] })).not.toHaveProperty(
      'platformRoles',
    );
  });
});

describe('the scope of the operations routes', () => {
  it("gives an organization's user its own organization, whatever it asks for", () => {
    const admin = requestOf(principal());
    expect(callerScopeOf(admin)).toEqual({ organizationId: ORG });
    expect(opsScopeOf(admin)).toEqual({ organizationId: ORG });
    expect(opsScopeOf(admin, ORG.toUpperCase())).toEqual({ organizationId: ORG });
    // Another organization: nothing, rather than a refusal that would say it exists.
    expect(opsScopeOf(admin, OTHER)).toBeNull();
  });

  it('gives an operator every organization, or the one asked for', () => {
    const op = requestOf(operator);
    expect(callerScopeOf(op)).toEqual({ organizationId: null });
    expect(opsScopeOf(op)).toEqual({ organizationId: null });
    expect(opsScopeOf(op, OTHER.toUpperCase())).toEqual({ organizationId: OTHER });
  });

  it('puts a record of no organization in the operator’s scope only', () => {
    expect(inOpsScope({ organizationId: null }, null)).toBe(true);
    expect(inOpsScope({ organizationId: null }, OTHER)).toBe(true);
    expect(inOpsScope({ organizationId: ORG }, null)).toBe(false);
    expect(inOpsScope({ organizationId: ORG }, OTHER)).toBe(false);
    expect(inOpsScope({ organizationId: ORG }, ORG.toUpperCase())).toBe(true);
  });

  it('takes only a uuid as the organization filter', () => {
    expect(organizationFilter.safeParse({ organizationId: ORG }).success).toBe(true);
    expect(organizationFilter.safeParse({}).success).toBe(true);
    for (const bad of ['', 'demo', `${ORG}'--`, `${ORG},${OTHER}`])
      expect(organizationFilter.safeParse({ organizationId: bad }).success, bad).toBe(false);
  });
});
