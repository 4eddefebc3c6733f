import { PRODUCTION_SECRETS } from '../../test/support/secrets.js';
import {
  BENCH_SETTINGS,
  startPostgres,
  startRabbit,
  type PostgresServer,
  type RabbitServer,
} from '../../test/harness/servers.js';
import { startSmtpSink, type SmtpSink } from '../rig.js';

/**
 * The servers the end-to-end benches run the services on (invoices, payments, monthly):
 * PostgreSQL with the bench settings, RabbitMQ, and a real SMTP server on loopback.
 */
export interface BenchServers {
  postgres: PostgresServer;
  rabbit: RabbitServer;
  sink: SmtpSink;
  /** The services' settings that point them at these servers, their databases named `<prefix>_<service>`. */
  env(prefix: string): Record<string, string>;
  stop(): Promise<void>;
}

/**
 * How the benches' services reach PostgreSQL: by its Unix socket, as docs/scaling.md recommends
 * when it runs on the same machine (no TCP stack per statement on either side);
 * `BENCH_PG_SOCKET=off` for TCP loopback, as across machines.
 */
export function benchDatabaseUrl(postgres: PostgresServer): string {
  return process.env.BENCH_PG_SOCKET === 'off'
    ? postgres.url
    : `${postgres.url}?host=${encodeURIComponent(postgres.dir)}`;
}

export async function startBenchServers(
  extraSettings: Record<string, string | number> = {},
): Promise<BenchServers> {
  const postgres = await startPostgres({ settings: { ...BENCH_SETTINGS, ...extraSettings } });
  const rabbit = await startRabbit();
  const sink = await startSmtpSink();
  return {
    postgres,
    rabbit,
    sink,
    env: (prefix) => ({
      DATABASE_URL: benchDatabaseUrl(postgres),
      AMQP_URL: rabbit.url,
      // Production mode refuses built-in secrets; the demo password comes from the bench (flowEnv).
      ...withoutDemoPassword(PRODUCTION_SECRETS),
      DATABASE_PREFIX: prefix,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      // As many SMTP connections as message handlers run at once (the default 5 suits a provider's limits).
      SMTP_POOL_SIZE: process.env.SMTP_POOL_SIZE ?? '16',
      // Each mail in flight holds a database connection (its record commits with the inbox's).
      DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE ?? '24',
    }),
    async stop() {
      await sink.close();
      await rabbit.stop();
      await postgres.stop();
    },
  };
}

function withoutDemoPassword(secrets: Readonly<Record<string, string>>): Record<string, string> {
  const { DHANMAN_DEMO_PASSWORD: _demo, ...rest } = secrets;
  return rest;
}

/** A demo password production mode accepts (not the public default), for the benches' own runs. */
export const BENCH_DEMO_PASSWORD = PRODUCTION_SECRETS.DHANMAN_DEMO_PASSWORD!;
