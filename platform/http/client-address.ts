import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { badRequest } from './problem.js';

/** proxy-addr's names for address ranges, accepted in TRUSTED_PROXIES beside addresses and CIDRs. */
export const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'] as const;

/** One TRUSTED_PROXIES entry: an IP address, a CIDR range, or a range name. */
export function isProxyEntry(entry: string): boolean {
  if ((PROXY_RANGE_NAMES as readonly string[]).includes(entry)) return true;
  const [address, bits, extra] = entry.split('/');
  if (extra !== undefined || !address || !isIP(address)) return false;
  if (bits === undefined) return true;
  const max = isIP(address) === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}

/**
 * With trusted proxies configured, the client address is the first one in `X-Forwarded-For` (read
 * from the right) that no trusted proxy added. A trusted hop that passes on something that is not
 * an address gets a 400 here rather than a made-up "address" counted by the rate limit and the
 * sign-in throttle. From an untrusted peer the header is never read at all.
 */
export const clientAddressPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRequest', async (request) => {
      if (isIP(request.ip) === 0) {
        throw badRequest('X-Forwarded-For holds something that is not an IP address.');
      }
    });
  },
  { name: 'dhanman-client-address', fastify: '5.x' },
);
