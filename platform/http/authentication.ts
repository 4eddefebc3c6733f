import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasPermission, isOperator, type Principal } from '../auth/claims.js';
import type { TokenVerifier } from '../auth/verifier.js';
import { forbidden, unauthorized } from './problem.js';
import './route-config.js';

export interface AuthOptions {
  verifier: TokenVerifier;
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{1,8192})$/i;

/**
 * Checks the caller before the body is read: 401 without a valid token, 403 without the route's
 * permission (or, on operator-only routes, without the operator platform role). The verified
 * principal goes on the request and into the work context, so queries and published messages are
 * scoped to the caller's organization.
 */
async function authentication(app: FastifyInstance, opts: { auth: AuthOptions | false }): Promise<void> {
  const { auth } = opts;
  app.decorateRequest('principal', undefined);
  if (auth === false) return;
  app.addHook('onRequest', async (request) => {
    const cfg = request.routeOptions.config;
    if (request.is404 || cfg.public === true) return;
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match) throw unauthorized('A bearer token is required (Authorization: Bearer <token>).');
    const principal = await auth.verifier.verify(match[1]!);
    request.principal = principal;
    Object.assign(request.workContext, {
      principal,
      subject: principal.subject,
      organizationId: principal.organizationId,
    });
    if (cfg.permission !== undefined && !hasPermission(principal, cfg.permission)) {
      throw forbidden(`This needs the ${cfg.permission} permission.`);
    }
    if (cfg.operatorOnly === true && !isOperator(principal)) {
      throw forbidden('Only an operator of the deployment may do this: it acts for every organization.');
    }
  });
}

/** Needs the request's work context (correlation) to scope it to the caller. */
export const authenticationPlugin = fp(authentication, {
  name: 'dhanman-authentication',
  fastify: '5.x',
  dependencies: ['dhanman-correlation'],
});

/** The caller of a non-public route (there is always one once the auth hook has passed). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized();
  return request.principal;
}
