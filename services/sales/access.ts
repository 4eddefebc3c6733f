import type { Principal } from '#platform/auth/claims.js';

/**
 * Which customer's documents a caller may see: `undefined` for staff (the whole organization),
 * else one customer's. A resident's token names the customer they are (Common's user-customer
 * link, docs/adr/0014); a resident without one sees nothing.
 */
export function customerScope(p: Principal): string | null | undefined {
  if (p.customerId) return p.customerId;
  const staff = p.roles.some((r) => r !== 'resident');
  return p.roles.includes('resident') && !staff ? null : undefined;
}

/** True when the caller may see a document of this customer (others answer 404, as if absent). */
export function maySee(p: Principal, customerId: string): boolean {
  const scope = customerScope(p);
  return scope === undefined || scope === customerId;
}
