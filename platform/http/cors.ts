import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import './route-config.js';

export interface CorsOptions {
  /** Exact origins (`scheme://host:port`) a browser page may call from. */
  origins: readonly string[];
}

/**
 * Cross-origin calls from browsers (@fastify/cors): only the configured origins get
 * `Access-Control-Allow-*` answers, so a page anywhere else cannot read responses; preflights
 * from them are answered without the allow headers and the browser refuses the call. Tokens
 * travel in the Authorization header, never cookies: no credentials mode.
 */
export const corsPlugin = fp(
  async (app: FastifyInstance, opts: CorsOptions) => {
    const allowed = new Set(opts.origins);
    // The preflight route the plugin adds is open to anyone (the route policy asks every route).
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (methods.includes('OPTIONS')) route.config = { ...(route.config ?? {}), public: true };
    });
    await app.register(cors, {
      origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-correlation-id'],
      exposedHeaders: [
        'location',
        'retry-after',
        'ratelimit-limit',
        'ratelimit-remaining',
        'ratelimit-reset',
        'x-correlation-id',
      ],
      maxAge: 600,
      strictPreflight: true,
    });
  },
  { name: 'dhanman-cors', fastify: '5.x' },
);
