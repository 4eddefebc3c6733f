import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { counter } from '../observability/metrics.js';
import { PROBLEM_TYPES, ProblemError } from './problem.js';
import type { RateBudget, RateClass } from './security-config.js';
import './route-config.js';

export interface RateLimitOptions {
  service: string;
  budgets: Record<RateClass, RateBudget>;
}

const rejected = counter('dhanman_http_rate_limited_total', 'Requests refused with 429 by the rate limit', [
  'service',
  'class',
]);

const OPS_PREFIXES = ['/health', '/metrics', '/docs', '/openapi.json', '/.well-known/', '/api/ops/'];

/** The budget a route draws on: its declared `config.rateClass`, else ops paths, reads, writes. */
export function rateClassOf(request: FastifyRequest): RateClass {
  const declared = request.routeOptions.config.rateClass;
  if (declared) return declared;
  const url = request.routeOptions.url ?? request.url;
  if (OPS_PREFIXES.some((p) => url.startsWith(p))) return 'ops';
  return request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS'
    ? 'reads'
    : 'writes';
}

/** Who spends the budget: the token's subject when signed in, else the client address. */
function callerOf(request: FastifyRequest): string {
  return request.principal ? `sub:${request.principal.subject}` : `ip:${request.ip}`;
}

/**
 * Per-caller request budgets by route class (@fastify/rate-limit, counters in this process's
 * memory). It runs at preParsing, after authentication, so a signed-in caller is counted by token
 * subject wherever they connect from, and before the body is read. Service tokens are exempt:
 * their traffic is caused by requests already counted at the edge, and a noisy user must not
 * starve the calls services make to each other. A refusal is a 429 problem with `Retry-After`
 * and the draft-standard `RateLimit-*` headers (sent on every answer).
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, opts: RateLimitOptions) => {
    // global: false and a hook of our own: the library's per-route hooks are attached in onRoute and
    // would miss the routes declared before this plugin loads (health, the OpenAPI document).
    await app.register(rateLimit, { global: false, cache: 50_000 });
    const limit = app.createRateLimit({
      keyGenerator: (request) => `${rateClassOf(request)}|${callerOf(request)}`,
      max: (request) => opts.budgets[rateClassOf(request)].max,
      timeWindow: (request) => opts.budgets[rateClassOf(request)].windowMs,
      allowList: (request) => request.principal?.kind === 'service',
    });
    app.addHook('preParsing', async (request, reply) => {
      const state = await limit(request);
      if (state.isAllowed) return;
      const reset = String(state.ttlInSeconds);
      reply.headers({
        'ratelimit-limit': String(state.max),
        'ratelimit-remaining': String(state.remaining),
        'ratelimit-reset': reset,
      });
      if (!state.isExceeded) return;
      const rateClass = rateClassOf(request);
      rejected.inc({ service: opts.service, class: rateClass });
      const seconds = Math.max(1, state.ttlInSeconds);
      throw new ProblemError(
        {
          type: PROBLEM_TYPES.tooManyRequests,
          title: 'Too many requests',
          status: 429,
          detail: `More than ${state.max} ${rateClass} requests in ${state.timeWindow / 1000} s; retry in ${seconds} s.`,
          rateClass,
        },
        { headers: { 'retry-after': String(seconds), 'ratelimit-reset': String(seconds) } },
      );
    });
  },
  { name: 'dhanman-rate-limit', fastify: '5.x' },
);
