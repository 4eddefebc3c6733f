import { z } from 'zod';
import type { HttpClient } from '#platform/http/client.js';
import { DependencyUnavailableError } from '#platform/http/problem.js';
import type { CustomerDirectory } from './invoices/create.js';

const customerAnswer = z.object({
  id: z.uuid(),
  name: z.string(),
  email: z.string(),
  companyId: z.uuid().nullable().optional(),
});

/**
 * Customers as Common knows them, over the host's resilient client with Sales' service token:
 * 404 means "no such customer in this organization".
 */
export function customerDirectory(http: HttpClient): CustomerDirectory {
  return {
    async find(organizationId, customerId) {
      const answer = await http.get('common', '/api/customers/{id}', {
        params: { id: customerId },
        organizationId,
        schema: customerAnswer,
      });
      if (answer.status === 404) return null;
      if (!answer.ok) {
        // 401/403: our service credentials are wrong; not the caller's fault.
        throw new DependencyUnavailableError('common', 'status', `common answered ${answer.status}`, {
          upstreamStatus: answer.status,
        });
      }
      const c = answer.body;
      return { id: c.id, name: c.name, email: c.email, companyId: c.companyId ?? null };
    },
  };
}
