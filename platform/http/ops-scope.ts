import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isOperator } from '../auth/claims.js';
import { UUID } from '../data/identifiers.js';
import { principalOf } from './authentication.js';

/**
 * Whose operational records (dead letters, jobs, sagas, traces) a caller sees and acts on:
 * one organization's, or, for an operator only, every organization's together with what belongs
 * to none (`organizationId: null`).
 */
export interface OpsScope {
  organizationId: string | null;
}

/** Every organization and what belongs to none: the operator's view, and the command line's. */
export const EVERY_ORGANIZATION: OpsScope = { organizationId: null };

/** `?organizationId=` of every ops list: an operator's filter (a malformed value is a 400). */
export const organizationFilter = z.object({
  organizationId: z.string().regex(UUID, 'expected an organization id (a uuid)').optional(),
});

/**
 * The caller's scope. An organization's user (its admin) sees its own organization only; an
 * operator sees all, or the organization `requested` names. Null when a tenant asks for another
 * organization: the caller sees nothing, which tells nothing about whether it has records.
 */
export function opsScopeOf(request: FastifyRequest, requested?: string): OpsScope | null {
  const scope = callerScopeOf(request);
  if (requested === undefined) return scope;
  if (scope.organizationId === null) return { organizationId: requested.toLowerCase() };
  return requested.toLowerCase() === scope.organizationId.toLowerCase() ? scope : null;
}

/** What the caller may reach by id: its own organization's, or everything for an operator. */
export function callerScopeOf(request: FastifyRequest): OpsScope {
  const principal = principalOf(request);
  return isOperator(principal) ? EVERY_ORGANIZATION : { organizationId: principal.organizationId };
}

/** Whether a record of `organizationId` (null: of no organization) is within `scope`. */
export function inOpsScope(scope: OpsScope, organizationId: string | null): boolean {
  if (scope.organizationId === null) return true;
  return organizationId !== null && organizationId.toLowerCase() === scope.organizationId.toLowerCase();
}
