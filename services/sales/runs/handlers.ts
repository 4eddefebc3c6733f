import { on, type MessageHandler } from '#platform/messaging/bus.js';
import type { Jobs } from '#platform/jobs/jobs.js';
import { OrganizationRegistered } from '#contracts/common.js';
import { registerBillingOrganization } from './organizations.js';

/** An organization Common registers is billed from then on: its monthly run is scheduled in its zone. */
export function organizationHandlers(jobs: Jobs): MessageHandler[] {
  return [
    on(OrganizationRegistered, 'sales.runs.organization-registered', (m, tx) =>
      registerBillingOrganization(tx, jobs, {
        organizationId: m.payload.organizationId,
        name: m.payload.name,
        timeZone: m.payload.timeZone,
      }),
    ),
  ];
}
