import { randomUUID } from 'node:crypto';
import type { Principal } from '#platform/auth/claims.js';
import { isUniqueViolation } from '#platform/data/postgres.js';
import { conflict, unprocessable } from '#platform/http/problem.js';
import type { Work, Written } from '#platform/http/write.js';
import { insertVendor, type Vendor } from './store.js';

export interface CreateVendorBody {
  name: string;
  email?: string | undefined;
  companyId?: string | undefined;
}

/**
 * The company a caller's document belongs to: the one asked for, if the caller works for it, else
 * the caller's first. Purchase keeps no list of companies; the token says which are the caller's.
 */
export function companyFor(principal: Principal, requested: string | undefined): string {
  const companyId = requested ?? principal.companies[0];
  if (!companyId || !principal.companies.includes(companyId)) {
    throw unprocessable(`company ${requested ?? '(default)'} is not one of yours`, [
      { in: 'body', path: 'companyId', message: 'unknown company' },
    ]);
  }
  return companyId;
}

/** Adds a vendor; a second vendor of the same name (any case) in the organization is a conflict. */
export async function createVendor(
  work: Work,
  principal: Principal,
  body: CreateVendorBody,
  idempotencyKey: string | null,
): Promise<Written<Vendor>> {
  const companyId = companyFor(principal, body.companyId);
  let vendor: Vendor;
  try {
    vendor = await insertVendor(work.tx, {
      id: randomUUID(),
      organizationId: principal.organizationId,
      companyId,
      name: body.name,
      email: body.email ?? null,
      createdBy: principal.subject,
      idempotencyKey,
    });
  } catch (err) {
    // The whole write rolls back: nothing is kept of a refused vendor.
    if (isUniqueViolation(err)) throw conflict(`a vendor named ${body.name} already exists`);
    throw err;
  }
  return {
    status: 201,
    body: vendor,
    activity: { action: 'vendor.created', detail: { vendorId: vendor.id } },
  };
}
