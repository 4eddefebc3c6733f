import type { Bus } from '#platform/messaging/bus.js';
import { conflict } from '#platform/http/problem.js';
import type { Work, Written } from '#platform/http/write.js';
import { registerOrganization, registerUser, type NewUser } from './registration.js';

export interface SignUp {
  organizationId: string;
  companyId: string;
  companyName: string;
  name: string;
  admin: NewUser;
}

/**
 * A society registers itself: the organization, its first company and admin, announced
 * (OrganizationRegistered, UserCreated), for `runWrite`. A taken email undoes the whole sign-up.
 */
export function signUp(bus: Bus, s: SignUp) {
  return async ({
    tx,
  }: Work): Promise<Written<{ organizationId: string; companyId: string; userId: string }>> => {
    await registerOrganization(tx, bus, {
      id: s.organizationId,
      name: s.name,
      companies: [{ id: s.companyId, name: s.companyName }],
    });
    const added = await registerUser(tx, bus, s.organizationId, [s.companyId], s.admin);
    if (!added) throw conflict(`a user with email ${s.admin.email} already exists`);
    return {
      status: 201,
      body: { organizationId: s.organizationId, companyId: s.companyId, userId: s.admin.id },
    };
  };
}
