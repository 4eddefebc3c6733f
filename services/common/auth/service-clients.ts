import type { ServiceClient } from './service-token-issuer.js';
import { PERMISSIONS, type Permission } from '#contracts/permissions.js';
import { SERVICE_NAMES } from '#contracts/services.js';

const P = PERMISSIONS;

/** What each service may do when it calls another on an organization's behalf (client credentials). */
export const SERVICE_PERMISSIONS: Readonly<Record<string, readonly Permission[]>> = {
  // Validates customers for invoices; the payment saga moves balances; the monthly run reads residents.
  sales: [P.customersRead, P.customersWrite, P.residentsRead],
  purchase: [P.usersRead],
  payroll: [P.usersRead],
  community: [P.customersRead, P.usersRead],
  notification: [],
  common: [P.residentsRead],
  gateway: [],
};

/**
 * Every service is a client, by its name, with a secret of its own (`<NAME>_CLIENT_SECRET`): a
 * stolen Notification secret cannot ask as Sales, and gets no permission at all.
 */
export function serviceClients(secretOf: (service: string) => string): ServiceClient[] {
  return SERVICE_NAMES.map((name) => ({
    clientId: name,
    secret: secretOf(name),
    permissions: [...(SERVICE_PERMISSIONS[name] ?? [])],
  }));
}
