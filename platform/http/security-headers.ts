import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface SecurityHeadersOptions {
  /** Extra `connect-src` sources for pages served under the policy (the console calls the services). */
  connectSources?: readonly string[];
}

/**
 * The Content-Security-Policy every answer carries. The docs page (swagger-ui) loads its scripts
 * and styles from its own origin and sets inline styles and `data:` images; no inline script runs
 * anywhere. `upgrade-insecure-requests` is left out: the services speak plain HTTP on loopback
 * and a browser would otherwise ask for the docs page's assets over HTTPS.
 */
export function contentSecurityPolicy(connectSources: readonly string[] = []): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    'connect-src': ["'self'", ...connectSources],
    'font-src': ["'self'", 'data:'],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    'img-src': ["'self'", 'data:'],
    'object-src': ["'none'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'", "'unsafe-inline'"],
  };
}

/**
 * Security headers on every answer (@fastify/helmet): the CSP above, `nosniff`, no framing, HSTS
 * (browsers ignore it over plain HTTP; it matters once TLS terminates in front), no referrer, and
 * same-origin isolation for documents. Cross-origin API calls are governed by CORS (cors.ts).
 */
export const securityHeadersPlugin = fp(
  async (app: FastifyInstance, opts: SecurityHeadersOptions) => {
    await app.register(helmet, {
      global: true,
      contentSecurityPolicy: {
        useDefaults: false,
        directives: contentSecurityPolicy(opts.connectSources ?? []),
      },
      referrerPolicy: { policy: 'no-referrer' },
      crossOriginResourcePolicy: { policy: 'same-site' },
    });
  },
  { name: 'dhanman-security-headers', fastify: '5.x' },
);
