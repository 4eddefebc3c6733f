import fastifyHttpProxy from '@fastify/http-proxy';
import fastifyStatic from '@fastify/static';
import { isIP } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { DIST } from './build.js';

/** A sign-up link's token as Common checks it (`POST /api/organizations/verify`). */
const SIGN_UP_TOKEN = /^[\w-]{20,200}$/;

export interface ConsoleOptions {
  host: string;
  port: number;
  /** Where each service answers, by name (`/svc/<name>/...` goes there). */
  services: Record<string, string>;
  /**
   * Proxies in front of the console whose X-Forwarded-For it believes (none by default: the
   * console is the edge, and what a browser sends in that header is not passed on).
   */
  trustedProxies?: readonly string[];
}

export interface RunningConsole {
  url: string;
  app: FastifyInstance;
  stop(): Promise<void>;
}

/**
 * Serves the built console and passes `/svc/<service>/*` on to that service unchanged (the
 * user's token included), so the browser talks to one origin and each service still checks every
 * call itself. The console holds no data and no secret of its own. It tells the services who the
 * client is (X-Forwarded-For), so their sign-in throttling and rate limits count people, not the
 * console; the services believe it only from the proxies they trust (TRUSTED_PROXIES).
 */
export async function startConsole(opts: ConsoleOptions): Promise<RunningConsole> {
  const trusted = opts.trustedProxies ?? [];
  const app = Fastify({ logger: false, ...(trusted.length > 0 ? { trustProxy: [...trusted] } : {}) });
  for (const [name, upstream] of Object.entries(opts.services)) {
    // The payment gateway is a provider, not a service of the console: never reachable through it.
    if (name === 'gateway') continue;
    await app.register(fastifyHttpProxy, {
      upstream,
      prefix: `/svc/${name}`,
      rewritePrefix: '',
      replyOptions: {
        rewriteRequestHeaders: (request, headers) => ({
          ...headers,
          'x-forwarded-for': forwardedFor(request),
        }),
      },
    });
  }
  // The sign-up link mailed by Common (SIGN_UP_LINK_URL) lands on the console's verify page. The
  // token goes on in the hash only when it has the shape Common issues; anything else lands on the
  // page without one (it says the link does not work), never an error of the server's.
  app.get('/sign-up/verify', async (request, reply) => {
    const { token } = request.query as Record<string, unknown>;
    const shaped = typeof token === 'string' && SIGN_UP_TOKEN.test(token);
    return reply.redirect(shaped ? `/#/verify/${token}` : '/#/verify/', 302);
  });
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

/**
 * The chain to pass on: what trusted proxies in front said, then the peer; anything an untrusted
 * peer wrote in the header itself is dropped.
 */
function forwardedFor(request: Pick<FastifyRequest, 'ips' | 'ip'>): string {
  // With no trusted proxy Fastify has no `ips`; `ip` is then the socket's peer.
  const chain = request.ips ? [...request.ips].reverse() : [request.ip];
  return chain.filter((a) => isIP(a) !== 0).join(', ');
}
