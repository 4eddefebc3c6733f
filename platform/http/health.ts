import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import './route-config.js';

export interface HealthOptions {
  /** Named readiness checks (database, broker, ...): ready only when every one is true. */
  ready: () => Promise<Record<string, boolean>>;
  /** A check that takes longer than this counts as failed (default 2 s). */
  timeoutMs?: number;
}

/**
 * `/health/live`: 200 while the process runs. `/health/ready`: 200 when every check passes, else
 * 503 naming the failing ones; also 503 once the app is closing, so a balancer drains it first.
 */
async function health(app: FastifyInstance, opts: HealthOptions): Promise<void> {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.get('/health/live', { config: { public: true }, schema: { hide: true } }, async () => ({
    status: 'live',
  }));
  app.get('/health/ready', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    const timeoutMs = opts.timeoutMs ?? 2_000;
    let checks: Record<string, boolean>;
    let timer: NodeJS.Timeout | undefined;
    try {
      checks = await Promise.race([
        opts.ready(),
        new Promise<Record<string, boolean>>((resolve) => {
          timer = setTimeout(() => resolve({ checks: false }), timeoutMs);
        }),
      ]);
    } catch {
      checks = { checks: false };
    } finally {
      clearTimeout(timer);
    }
    if (closing) checks = { ...checks, shuttingDown: false };
    const failing = Object.entries(checks)
      .filter(([, ok]) => ok !== true)
      .map(([name]) => name);
    reply.code(failing.length === 0 ? 200 : 503);
    return { status: failing.length === 0 ? 'ready' : 'not-ready', checks, failing };
  });
}

export const healthPlugin = fp(health, { name: 'dhanman-health', fastify: '5.x' });

/** Adds the health routes to an app made by `createHttpApp` (loaded with its other plugins). */
export function registerHealth(app: FastifyInstance, opts: HealthOptions): void {
  void app.register(healthPlugin, opts);
}
