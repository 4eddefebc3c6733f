/**
 * `npm run service -- <name> [--demo]`: one service as its own process against the PostgreSQL and
 * RabbitMQ given by DATABASE_URL and AMQP_URL. Run it several times (each with its own PORT) to
 * scale a service out: the copies share its database and queues.
 */
import { z } from 'zod';
import { ConfigError, env as envVar, exitOnConfigError, loadConfig } from '../platform/config/env.js';
import { SERVICE_NAMES, type ServiceName } from '../contracts/services.js';
import { startSystem } from './system.js';

const [name, ...flags] = process.argv.slice(2);

try {
  if (!name || !SERVICE_NAMES.includes(name as ServiceName)) {
    throw new ConfigError([
      `service name: expected one of ${SERVICE_NAMES.join(', ')} (got ${JSON.stringify(name ?? '')})`,
    ]);
  }
  const unknown = flags.filter((f) => f !== '--demo');
  if (unknown.length > 0) throw new ConfigError([`flags: expected only --demo (got ${unknown.join(' ')})`]);
  const required = loadConfig(
    z.object({
      DATABASE_URL: envVar.url(['postgres', 'postgresql']),
      AMQP_URL: envVar.url(['amqp', 'amqps']),
      PORT: z.coerce.number().int().min(1).max(65535).optional(),
    }),
  );
  const env: Record<string, string | undefined> = { ...process.env };
  if (required.PORT !== undefined) env[`${name.toUpperCase()}_PORT`] = String(required.PORT);
  const system = await startSystem({
    env,
    only: [name as ServiceName],
    seed: flags.includes('--demo') || env.DHANMAN_DEMO === 'true',
    handleSignals: true,
  });
  process.stdout.write(`${name} listening on ${system.url(name as ServiceName)}\n`);
} catch (err) {
  exitOnConfigError(err);
}
