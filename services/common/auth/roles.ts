import { PERMISSIONS, type Permission, type Role } from '#contracts/permissions.js';

const P = PERMISSIONS;

/**
 * What each role may do; Common writes the union of a user's roles into the token. A resident
 * sees only what concerns them; an accountant runs the books; managers and the CFO approve
 * purchases; the admin does everything.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: Object.values(P),
  accountant: [
    P.customersRead,
    P.customersWrite,
    P.ledgerRead,
    P.ledgerAdjust,
    P.residentsRead,
    P.invoicesRead,
    P.invoicesWrite,
    P.paymentsWrite,
    P.purchaseOrdersRead,
    P.purchaseOrdersWrite,
    P.billsWrite,
    P.payrollRead,
    P.payrollWrite,
    P.emailsRead,
    P.usersRead,
    // Read-only operations: the timeline of the documents they create (the console links it).
    P.opsRead,
  ],
  manager: [
    P.customersRead,
    P.residentsRead,
    P.residentsWrite,
    P.invoicesRead,
    P.purchaseOrdersRead,
    P.purchaseOrdersWrite,
    P.purchaseOrdersApprove,
    P.usersRead,
  ],
  cfo: [
    P.customersRead,
    P.ledgerRead,
    P.invoicesRead,
    P.purchaseOrdersRead,
    P.purchaseOrdersApprove,
    P.payrollRead,
    P.usersRead,
  ],
  resident: [P.invoicesRead, P.paymentsWrite],
};

/**
 * What the platform role `operator` adds (it is no organization's role, and its holder belongs to
 * none): the operations of every service across organizations and every organization's mail log.
 * Whether the operations reach across organizations is the token's platform role, not these.
 */
export const OPERATOR_PERMISSIONS: readonly Permission[] = [
  P.opsRead,
  P.opsDeadLetters,
  P.opsJobs,
  P.opsSagas,
  P.opsMailDelivery,
  P.emailsRead,
];

/** The permissions a set of roles grants (unknown roles grant nothing), sorted and unique. */
export function permissionsFor(roles: readonly string[], operator = false): Permission[] {
  const granted = new Set<Permission>(operator ? OPERATOR_PERMISSIONS : []);
  for (const role of roles) {
    for (const p of ROLE_PERMISSIONS[role as Role] ?? []) granted.add(p);
  }
  return [...granted].sort();
}
