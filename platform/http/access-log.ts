import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import { runWithContext } from '../observability/context.js';
import './route-config.js';

export interface AccessLogOptions {
  log: Logger;
  level: 'info' | 'debug';
}

/** One line per answered request, logged under the request's correlation id. */
async function accessLog(app: FastifyInstance, { log, level }: AccessLogOptions): Promise<void> {
  app.addHook('onResponse', (request, reply, done) => {
    runWithContext(request.workContext ?? { correlationId: request.id }, () =>
      log[level](
        {
          method: request.method,
          route: request.routeOptions.url,
          url: request.url,
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request completed',
      ),
    );
    done();
  });
}

export const accessLogPlugin = fp(accessLog, {
  name: 'dhanman-access-log',
  fastify: '5.x',
  dependencies: ['dhanman-correlation'],
});
