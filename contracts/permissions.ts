/**
 * The permissions tokens carry (`resource:action`). Common maps roles to these when it signs a
 * token; every service checks them on its routes (`config: { permission: PERMISSIONS.x }`).
 */
export const PERMISSIONS = {
  customersRead: 'customers:read',
  customersWrite: 'customers:write',
  ledgerRead: 'ledger:read',
  /** Post an adjusting journal (the only way a person moves a customer's balance). */
  ledgerAdjust: 'ledger:adjust',
  usersRead: 'users:read',
  usersWrite: 'users:write',
  residentsRead: 'residents:read',
  residentsWrite: 'residents:write',
  invoicesRead: 'invoices:read',
  invoicesWrite: 'invoices:write',
  paymentsWrite: 'payments:write',
  purchaseOrdersRead: 'purchase-orders:read',
  purchaseOrdersWrite: 'purchase-orders:write',
  purchaseOrdersApprove: 'purchase-orders:approve',
  billsWrite: 'bills:write',
  payrollRead: 'payroll:read',
  payrollWrite: 'payroll:write',
  emailsRead: 'emails:read',
  /** Read a service's trace (operations/trace-route.ts). */
  opsRead: 'ops:read',
  /** Inspect, replay and discard dead letters (operations/dead-letter-routes.ts). */
  opsDeadLetters: 'ops:dead-letters',
  /** See and drive jobs: recurring, scheduled, failed (operations/job-routes.ts). */
  opsJobs: 'ops:jobs',
  /** Saga instances and their step history: operations/saga-routes.ts. */
  opsSagas: 'ops:sagas',
  /** Stop and restore Notification's mail delivery (services/notification/mail/routes.ts). */
  opsMailDelivery: 'ops:mail-delivery',
} as const;

export type Permission = (typeof PERMISSIONS)[keyof typeof PERMISSIONS];

/** Roles a user can hold; what each grants is Common's decision (services/common/auth/roles.ts). */
export const ROLES = ['admin', 'accountant', 'manager', 'cfo', 'resident'] as const;
export type Role = (typeof ROLES)[number];
