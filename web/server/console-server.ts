import fastifyHttpProxy from '@fastify/http-proxy';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { DIST } from './build.js';

export interface ConsoleOptions {
  host: string;
  port: number;
  /** Where each service answers, by name (`/svc/<name>/...` goes there). */
  services: Record<string, string>;
}

export interface RunningConsole {
  url: string;
  app: FastifyInstance;
  stop(): Promise<void>;
}

/**
 * Serves the built console and passes `/svc/<service>/*` on to that service unchanged (the
 * user's token included), so the browser talks to one origin and each service still checks every
 * call itself. The console holds no data and no secret of its own.
 */
export async function startConsole(opts: ConsoleOptions): Promise<RunningConsole> {
  const app = Fastify({ logger: false });
  for (const [name, upstream] of Object.entries(opts.services)) {
    // The payment gateway is a provider, not a service of the console: never reachable through it.
    if (name === 'gateway') continue;
    await app.register(fastifyHttpProxy, { upstream, prefix: `/svc/${name}`, rewritePrefix: '' });
  }
  // The build's gzip copies go to browsers that accept them (build.ts writes them).
  // `index` as a list: with `preCompressed`, @fastify/static 8 finds a directory's index only in a list.
  await app.register(fastifyStatic, { root: DIST, index: ['index.html'], preCompressed: true });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.url.startsWith('/svc/')) {
      // The console's own pages: nothing inline, nothing from elsewhere; mails render sandboxed.
      reply.header(
        'content-security-policy',
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
      );
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
    }
    return payload;
  });
  const address = await app.listen({ host: opts.host, port: opts.port });
  return { url: address, app, stop: () => app.close() };
}
