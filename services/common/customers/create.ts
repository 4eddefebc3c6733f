import type { Db } from '#platform/data/db.js';
import type { Principal } from '#platform/auth/claims.js';
import { unprocessable } from '#platform/http/problem.js';
import type { Work, Written } from '#platform/http/write.js';
import { CustomerCreated } from '#contracts/common.js';
import { companiesOf } from '../organizations/store.js';
import { customerFacts, insertCustomer } from './store.js';
import { customerView, type CustomerView } from './view.js';

export interface NewCustomer {
  name: string;
  email: string;
  companyId?: string | undefined;
}

/**
 * The company a new customer belongs to: the one asked for, or the caller's first; it must be one
 * of the caller's (a token scoped to some companies writes only there).
 */
export async function companyForCustomer(
  db: Db,
  principal: Pick<Principal, 'organizationId' | 'companies'>,
  asked: string | undefined,
): Promise<string> {
  const companies = await companiesOf(db, principal.organizationId);
  const allowed = companies.filter(
    (c) => principal.companies.length === 0 || principal.companies.includes(c.id),
  );
  const companyId = asked ?? allowed[0]?.id;
  if (!companyId || !allowed.some((c) => c.id === companyId)) {
    throw unprocessable(`company ${asked ?? '(default)'} is not one of yours`, [
      { in: 'body', path: 'companyId', message: 'unknown company' },
    ]);
  }
  return companyId;
}

/** Creates a customer and announces it (CustomerCreated), for `runWrite`. */
export function createCustomer(organizationId: string, companyId: string, input: NewCustomer) {
  return async ({ tx, publish }: Work): Promise<Written<CustomerView>> => {
    const c = await insertCustomer(tx, { organizationId, companyId, name: input.name, email: input.email });
    await publish(CustomerCreated, customerFacts(c), { companyId });
    return {
      status: 201,
      body: customerView(c),
      activity: { action: 'customer.created', detail: { customerId: c.id } },
    };
  };
}
