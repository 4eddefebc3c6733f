import { z } from 'zod';
import { clientCredentialsTokens } from '../../platform/auth/service-tokens.js';
import { createHttpClient, type HttpClient } from '../../platform/http/client.js';
import { DependencyUnavailableError } from '../../platform/http/problem.js';
import type { ServiceDeps } from '../../platform/host/service-definition.js';
import { loadRuntimeConfig } from '../../platform/host/runtime-config.js';
import type { CustomerDirectory } from './invoices/create.js';

/**
 * Sales' calls to Common, through the resilient client (timeout, retries, breaker, bulkhead, with
 * the numbers from the runtime configuration) and with Sales' own service token for the
 * organization being served.
 */
export function commonClient(deps: Pick<ServiceDeps, 'env' | 'urlOf' | 'auth' | 'log'>): HttpClient {
  const config = loadRuntimeConfig(deps.env);
  return createHttpClient({
    service: 'sales',
    baseUrlOf: deps.urlOf,
    resilience: {
      timeoutMs: config.HTTP_TIMEOUT_MS,
      retryDelaysMs: config.HTTP_RETRY_DELAYS_MS,
      breakerThreshold: config.HTTP_BREAKER_THRESHOLD,
      breakerOpenMs: config.HTTP_BREAKER_OPEN_MS,
      bulkheadLimit: config.HTTP_BULKHEAD_LIMIT,
      bulkheadQueue: config.HTTP_BULKHEAD_QUEUE,
    },
    tokens: clientCredentialsTokens({
      // Resolved on each fetch: Common's URL may be known only once it listens.
      get tokenUrl() {
        return `${deps.urlOf('common')}/api/auth/token`;
      },
      clientId: 'sales',
      clientSecret: deps.auth.serviceClientSecret,
      timeoutMs: config.HTTP_TIMEOUT_MS,
    }),
    log: deps.log,
  });
}

const customerAnswer = z.object({
  id: z.uuid(),
  name: z.string(),
  email: z.string(),
  companyId: z.uuid().nullable().optional(),
});

/** Customers as Common knows them: 404 means "no such customer in this organization". */
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
