/**
 * `npm run service -- <name> [--demo]`: one service as its own process against the PostgreSQL and
 * RabbitMQ given by DATABASE_URL and AMQP_URL. Run it several times (each with its own PORT) to
 * scale a service out: the copies share its database and queues.
 */
import { z } from 'zod';
import { ConfigError, env as envVar, exitOnConfigError, loadConfig } from '#platform/config/env.js';
import { refuseDefaultSecretsFor } from './production-secrets.js';
import { serviceNameOf } from './services.js';

const [name, ...flags] = process.argv.slice(2);

try {
  const service = serviceNameOf(name, 'service name');
  const unknown = flags.filter((f) => f !== '--demo');
  if (unknown.length > 0) throw new ConfigError([`flags: expected only --demo (got ${unknown.join(' ')})`]);
  const required = loadConfig(
    z.object({
      DATABASE_URL: envVar.url(['postgres', 'postgresql']),
      AMQP_URL: envVar.urlList(['amqp', 'amqps']),
      PORT: z.coerce.number().int().min(1).max(65535).optional(),
    }),
  );
  const env: Record<string, string | undefined> = { ...process.env };
  if (required.PORT !== undefined) env[`${service.toUpperCase()}_PORT`] = String(required.PORT);
  const seed = flags.includes('--demo') || env.DHANMAN_DEMO === 'true';
  // Before the system's code is even loaded: a default secret is refused within a second.
  refuseDefaultSecretsFor([service], seed, env);
  const { startSystem } = await import('./system.js');
  const system = await startSystem({ env, only: [service], seed, handleSignals: true });
  process.stdout.write(`${service} listening on ${system.url(service)}\n`);
} catch (err) {
  exitOnConfigError(err);
}
