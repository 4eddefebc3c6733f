import type { Bus } from '#platform/messaging/bus.js';
import { conflict } from '#platform/http/problem.js';
import type { Work, Written } from '#platform/http/write.js';
import { registerUser, type NewUser } from './registration.js';

export interface UserView {
  id: string;
  organizationId: string;
  email: string;
  name: string;
  roles: string[];
  companies: string[];
}

/** Adds a user to an organization and announces them (UserCreated), for `runWrite`. */
export function addUser(bus: Bus, organizationId: string, companies: string[], user: NewUser) {
  return async ({ tx }: Work): Promise<Written<UserView>> => {
    const added = await registerUser(tx, bus, organizationId, companies, user);
    if (!added) throw conflict(`a user with email ${user.email} already exists`);
    return {
      status: 201,
      body: {
        id: user.id,
        organizationId,
        email: user.email,
        name: user.name,
        roles: user.roles,
        companies: [...companies].sort(),
      },
    };
  };
}
