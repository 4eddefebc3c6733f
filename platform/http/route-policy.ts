import type { FastifyInstance, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { PERMISSION_PATTERN } from '../auth/claims.js';
import './route-config.js';

export interface RouteEntry {
  method: string;
  url: string;
  config: {
    permission?: string;
    public?: boolean;
    operatorOnly?: boolean;
    idempotency?: 'required' | 'optional';
  };
  hasBodySchema: boolean;
}

const catalogs = new WeakMap<FastifyInstance, RouteOptions[]>();

/**
 * Starts collecting the app's routes. Synchronous, at construction: `onRoute` hooks see only
 * routes declared after them, and services declare routes right after `createHttpApp` returns,
 * before any registered plugin has loaded.
 */
export function installRouteCatalog(app: FastifyInstance): void {
  const routes: RouteOptions[] = [];
  catalogs.set(app, routes);
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
}

/**
 * Every route must say who may call it: `config.permission` or `config.public`. The catalog's
 * routes are checked when the app gets ready (after plugins such as the docs page have marked
 * their own routes), so a forgotten declaration stops the service from starting.
 */
async function routePolicy(
  app: FastifyInstance,
  opts: { authEnabled: boolean; idempotencyEnabled: boolean },
): Promise<void> {
  const routes = catalogs.get(app);
  if (!routes) throw new Error('the route policy needs installRouteCatalog(app) first');
  app.addHook('onReady', async () => {
    const problems: string[] = [];
    for (const r of routes) {
      const name = `${String(r.method)} ${r.url}`;
      const cfg = (r.config ?? {}) as RouteEntry['config'];
      if (cfg.public === true && cfg.permission !== undefined)
        problems.push(`${name}: both public and a permission`);
      else if (cfg.public !== true && cfg.permission === undefined) {
        problems.push(`${name}: declares neither config.permission nor config.public`);
      } else if (cfg.permission !== undefined && !PERMISSION_PATTERN.test(cfg.permission)) {
        problems.push(`${name}: permission ${JSON.stringify(cfg.permission)} is not resource:action`);
      } else if (cfg.permission !== undefined && !opts.authEnabled) {
        problems.push(`${name}: needs ${cfg.permission} but the app has no token verifier (auth: false)`);
      }
      if (cfg.idempotency !== undefined && !opts.idempotencyEnabled) {
        problems.push(`${name}: takes an Idempotency-Key but the app has no idempotency store`);
      }
    }
    if (problems.length > 0) {
      throw new Error(`Routes without a valid access declaration:\n  ${problems.join('\n  ')}`);
    }
  });
}

export const routePolicyPlugin = fp(routePolicy, { name: 'dhanman-route-policy', fastify: '5.x' });

/** Marks every route registered in `scope` as public (for plugins whose routes we do not write: the docs page). */
export function markRoutesPublic(scope: FastifyInstance): void {
  scope.addHook('onRoute', (route) => {
    route.config = { ...(route.config ?? {}), public: true };
  });
}

/** The routes an app has, with their access declarations (for the fuzzer and for tests). */
export function listRoutes(app: FastifyInstance): RouteEntry[] {
  const routes = catalogs.get(app) ?? [];
  return routes.flatMap((r) =>
    (Array.isArray(r.method) ? r.method : [r.method]).map((method) => ({
      method: String(method),
      url: r.url,
      config: { ...((r.config ?? {}) as RouteEntry['config']) },
      hasBodySchema: Boolean(r.schema?.body),
    })),
  );
}
