import { z } from 'zod';
import type { HttpClient } from '#platform/http/client.js';
import { DependencyUnavailableError } from '#platform/http/problem.js';

export interface ActiveResident {
  id: string;
  customerId: string;
  monthlyCharges: string;
}

const residentPage = z.object({
  items: z.array(z.object({ id: z.uuid(), customerId: z.uuid(), monthlyCharges: z.string() })),
  nextCursor: z.string().nullable(),
});
const customers = z.object({
  items: z.array(z.object({ id: z.uuid(), companyId: z.uuid(), name: z.string(), email: z.string() })),
});

export type RunCustomer = z.infer<typeof customers>['items'][number];

/** What the run needs of Community (residents) and Common (their customers), over the resilient client. */
export interface RunDirectory {
  residents(
    organizationId: string,
    cursor: string | null,
    limit: number,
  ): Promise<z.infer<typeof residentPage>>;
  customers(organizationId: string, ids: string[]): Promise<Map<string, RunCustomer>>;
}

function refused(target: string, status: number): never {
  throw new DependencyUnavailableError(target, 'status', `${target} answered ${status}`, {
    upstreamStatus: status,
  });
}

export function runDirectory(http: HttpClient): RunDirectory {
  return {
    async residents(organizationId, cursor, limit) {
      const answer = await http.get('community', '/api/residents/active', {
        organizationId,
        query: { limit, cursor },
        schema: residentPage,
      });
      if (!answer.ok) refused('community', answer.status);
      return answer.body;
    },
    async customers(organizationId, ids) {
      const found = new Map<string, RunCustomer>();
      if (ids.length === 0) return found;
      const answer = await http.post(
        'common',
        '/api/customers/lookup',
        { ids },
        { organizationId, schema: customers },
      );
      if (!answer.ok) refused('common', answer.status);
      for (const c of answer.body.items) found.set(c.id, c);
      return found;
    },
  };
}
