import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { postgresCommand, postgresPid, startArguments, type PostgresPlace } from '../cluster/postgres.js';

const run = promisify(execFile);

/**
 * PostgreSQL stopped (a fast shutdown: every session cut, as a failover or a restart for an
 * upgrade does) and started again, without blocking this process: the load and its latency
 * clock keep running while it happens (the launcher's own helpers wait synchronously).
 */
export async function stopPostgresAsync(p: PostgresPlace): Promise<void> {
  const pid = postgresPid(p);
  if (pid === undefined) return;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 60_000;
  while (postgresPid(p) !== undefined) {
    if (Date.now() > deadline) throw new Error(`PostgreSQL (pid ${pid}) did not stop within 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startPostgresAsync(p: PostgresPlace): Promise<void> {
  const [command, argv] = postgresCommand('pg_ctl', startArguments(p));
  await run(command, argv);
}
