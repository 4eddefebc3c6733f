/**
 * `npm run dhanman -- <command>`: operator commands.
 *   dead-letters ...   list, inspect, replay and discard a service's dead letters (see --help)
 * They work on a service's own database and broker, given by DATABASE_URL and AMQP_URL. The embedded
 * database belongs to the running `npm start` process (PGlite has one owner), so there use the same
 * operations over HTTP: /api/ops/dead-letters on each service.
 */
import { ConfigError, exitOnConfigError } from '#platform/config/env.js';
import { loadRuntimeConfig } from '#platform/host/runtime-config.js';
import { createRuntime } from '#platform/host/runtime.js';
import { DeadLetterStore } from '#platform/messaging/dead-letter-store.js';
import { DEAD_LETTER_USAGE, runDeadLetterCli } from './dead-letters.js';
import { createLogger } from '#platform/observability/logger.js';
import { SERVICE_PORTS } from '#contracts/services.js';
import { serviceNameOf } from './services.js';

const USAGE = `Usage: npm run dhanman -- <command>\n\nCommands:\n  dead-letters   ${DEAD_LETTER_USAGE.split('\n')[0]}\n`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'dead-letters') {
    process.stderr.write(USAGE);
    return command === undefined || command === '--help' ? 0 : 2;
  }
  if (rest.length === 0 || rest.includes('--help')) return runDeadLetterCli(['--help'], io());
  const config = loadRuntimeConfig(process.env, SERVICE_PORTS);
  if (!config.DATABASE_URL || !config.AMQP_URL) {
    throw new ConfigError([
      "DATABASE_URL and AMQP_URL: expected both (the service's PostgreSQL and RabbitMQ); in the embedded mode use /api/ops/dead-letters on the running service",
    ]);
  }
  const runtime = await createRuntime(
    config,
    createLogger(
      'dhanman-cli',
      config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL,
      undefined,
      config.LOG_FORMAT,
    ),
  );
  try {
    return await runDeadLetterCli(rest, {
      async open(service) {
        serviceNameOf(service, 'service');
        const db = await runtime.openDatabase(service);
        const store = new DeadLetterStore({ service, db, transport: await runtime.transport() });
        return { store, close: () => db.close() };
      },
      out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
      err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    });
  } finally {
    await runtime.close();
  }
}

function io() {
  return {
    open: () => Promise.reject(new Error('no store needed for help')),
    out: (text: string) => process.stdout.write(text),
    err: (text: string) => process.stderr.write(text),
  };
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  exitOnConfigError(err);
}
