/**
 * Throwaway PostgreSQL and RabbitMQ servers from Debian's packages, for the test run (see
 * `global-setup.ts`) and for benchmarks. Each lives in its own temp directory on free loopback
 * ports and dies with the process that started it.
 */
export { ensureInstalled } from './install.js';
export {
  BENCH_SETTINGS,
  startPostgres,
  TEST_SETTINGS,
  type PostgresOptions,
  type PostgresServer,
} from './postgres.js';
export {
  attachRabbit,
  startRabbit,
  type RabbitNodeSpec,
  type RabbitOptions,
  type RabbitServer,
} from './rabbitmq.js';
