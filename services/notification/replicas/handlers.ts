import type { Tx } from '#platform/data/db.js';
import { on, type MessageHandler } from '#platform/messaging/bus.js';
import type { Envelope } from '#platform/messaging/envelope.js';
import { CustomerCreated, CustomerUpdated, OrganizationRegistered } from '#contracts/index.js';
import { upsertContact, upsertOrganization } from './store.js';

/**
 * Notification's copies of organizations and customer contacts, so its mail handlers never call
 * another service. (Users are kept by the host: `users` in the service definition.)
 */
export function replicaHandlers(): MessageHandler[] {
  // Created or updated, the contact is the same copy: the name and email of the latest event.
  const replicateContact = (m: Envelope<{ customerId: string; name: string; email: string }>, tx: Tx) =>
    upsertContact(tx, {
      id: m.payload.customerId,
      organizationId: m.organizationId,
      name: m.payload.name,
      email: m.payload.email,
      at: m.occurredAt,
    });
  return [
    on(OrganizationRegistered, 'notification.replicas.organization-registered', async (m, tx) => {
      await upsertOrganization(tx, m.payload.organizationId, m.payload.name, m.occurredAt);
    }),
    on(CustomerCreated, 'notification.replicas.customer-created', replicateContact),
    on(CustomerUpdated, 'notification.replicas.customer-updated', replicateContact),
  ];
}
