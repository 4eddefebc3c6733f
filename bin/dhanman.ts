/**
 * `npm run dhanman -- <command>`: operator commands.
 *   dead-letters ...   list, inspect, replay and discard a service's dead letters (see --help)
 *   operators add EMAIL   make EMAIL an operator of the deployment (Common's database only)
 * They work on a service's own database and broker, given by DATABASE_URL and AMQP_URL. The embedded
 * database belongs to the running `npm start` process (PGlite has one owner), so there use the same
 * operations over HTTP: /api/ops/dead-letters on each service.
 */
import { ConfigError, exitOnConfigError } from '#platform/config/env.js';
import { loadRuntimeConfig } from '#platform/host/runtime-config.js';
import { createRuntime } from '#platform/host/runtime.js';
import { DeadLetterStore } from '#platform/messaging/dead-letter-store.js';
import { DeadLetterOperations } from '../operations/dead-letters.js';
import { runMigrations } from '#platform/data/migrate.js';
import { serviceMigrationSources } from '#platform/host/migration-sources.js';
import { DEAD_LETTER_USAGE, runDeadLetterCli } from './dead-letters.js';
import { OPERATORS_USAGE, runOperatorsCli } from './operators.js';
import { createLogger } from '#platform/observability/logger.js';
import { SERVICE_PORTS } from '#contracts/services.js';
import { serviceNameOf } from './services.js';

const USAGE = `Usage: npm run dhanman -- <command>\n\nCommands:\n  dead-letters   ${DEAD_LETTER_USAGE.split('\n')[0]}\n  operators      ${OPERATORS_USAGE.split('\n')[0]}\n`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'operators') return operators(rest);
  if (command !== 'dead-letters') {
    process.stderr.write(USAGE);
    return command === undefined || command === '--help' ? 0 : 2;
  }
  if (rest.length === 0 || rest.includes('--help')) return runDeadLetterCli(['--help'], io());
  const runtime = await cliRuntime(
    (config) => !!config.DATABASE_URL && !!config.AMQP_URL,
    "DATABASE_URL and AMQP_URL: expected both (the service's PostgreSQL and RabbitMQ); in the embedded mode use /api/ops/dead-letters on the running service",
  );
  try {
    return await runDeadLetterCli(rest, {
      async open(service) {
        serviceNameOf(service, 'service');
        const db = await runtime.openDatabase(service);
        const archive = new DeadLetterStore({ service, db, transport: await runtime.transport() });
        const store = new DeadLetterOperations(archive);
        return { store, close: () => db.close() };
      },
      out: lines(process.stdout),
      err: lines(process.stderr),
    });
  } finally {
    await runtime.close();
  }
}

/** `operators add EMAIL`: on Common's database, migrated first (the command may run before Common's upgrade). */
async function operators(argv: string[]): Promise<number> {
  const err = lines(process.stderr);
  if (argv.length === 0 || argv.includes('--help')) {
    process.stdout.write(OPERATORS_USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  const runtime = await cliRuntime(
    (config) => !!config.DATABASE_URL,
    "DATABASE_URL: expected the deployment's PostgreSQL (Common's database); the embedded demo has operator@demo.dhanman.local",
  );
  try {
    return await runOperatorsCli(argv, {
      async open() {
        const db = await runtime.openDatabase('common');
        const { commonService } = await import('#services/common/index.js');
        await runMigrations(db, serviceMigrationSources(commonService));
        return { db, close: () => db.close() };
      },
      env: process.env,
      out: lines(process.stdout),
      err,
    });
  } finally {
    await runtime.close();
  }
}

type RuntimeConfig = ReturnType<typeof loadRuntimeConfig>;

/** The runtime a command works on, once the configuration has what it needs (else a ConfigError). */
async function cliRuntime(enough: (config: RuntimeConfig) => boolean, missing: string) {
  const config = loadRuntimeConfig(process.env, SERVICE_PORTS);
  if (!enough(config)) throw new ConfigError([missing]);
  // The platform's info lines would bury the command's output; a finer level asked for stays.
  const level = config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL;
  return createRuntime(config, createLogger('dhanman-cli', level, undefined, config.LOG_FORMAT));
}

/** Writes a text as one line or more, ending in a newline. */
function lines(stream: NodeJS.WriteStream) {
  return (text: string) => stream.write(text.endsWith('\n') ? text : `${text}\n`);
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
