import { notFound } from '#platform/http/problem.js';
import type { Work, Written } from '#platform/http/write.js';
import { CustomerUpdated } from '#contracts/common.js';
import { customerFacts, updateCustomerDetails } from './store.js';
import { customerView, type CustomerView } from './view.js';

/** Renames a customer or changes their email, and announces it (CustomerUpdated), for `runWrite`. */
export function updateCustomer(
  organizationId: string,
  customerId: string,
  changes: { name?: string | undefined; email?: string | undefined },
) {
  return async ({ tx, publish }: Work): Promise<Written<CustomerView>> => {
    const updated = await updateCustomerDetails(tx, organizationId, customerId, changes);
    if (!updated) throw notFound(`customer ${customerId} does not exist`);
    await publish(CustomerUpdated, customerFacts(updated), { companyId: updated.companyId });
    return {
      status: 200,
      body: customerView(updated),
      activity: { action: 'customer.updated', detail: { customerId: updated.id } },
    };
  };
}
