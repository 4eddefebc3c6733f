import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { counter, gauge, histogram, registry } from '../observability/metrics.js';
import './route-config.js';

/** HTTP metrics, server and client side. Every one carries `service` (several services may share a process). */
export const httpMetrics = {
  serverDuration: histogram(
    'dhanman_http_server_request_duration_seconds',
    'Time to answer an incoming request, by route pattern and status',
    ['service', 'method', 'route', 'status'],
  ),
  clientDuration: histogram(
    'dhanman_http_client_request_duration_seconds',
    'Time of a call to another service including retries, by target and outcome',
    ['service', 'target', 'method', 'outcome'],
  ),
  clientRetries: counter(
    'dhanman_http_client_retries_total',
    'Retried attempts of calls to another service',
    ['service', 'target'],
  ),
  breakerState: gauge(
    'dhanman_http_client_circuit_state',
    'Circuit breaker state per target: 0 closed, 1 half-open, 2 open',
    ['service', 'target'],
  ),
  breakerTransitions: counter(
    'dhanman_http_client_circuit_transitions_total',
    'Circuit breaker state changes per target',
    ['service', 'target', 'to'],
  ),
  bulkheadRejections: counter(
    'dhanman_http_client_bulkhead_rejections_total',
    'Calls refused because too many calls to the target were already in progress or queued',
    ['service', 'target'],
  ),
};

/** Records every answered request under its route pattern (unmatched paths share one label). */
async function serverMetrics(app: FastifyInstance, { service }: { service: string }): Promise<void> {
  app.addHook('onResponse', (request, reply, done) => {
    httpMetrics.serverDuration.observe(
      {
        service,
        method: request.method,
        route: request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched'),
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}

export const serverMetricsPlugin = fp(serverMetrics, { name: 'dhanman-metrics', fastify: '5.x' });
