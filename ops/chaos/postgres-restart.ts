import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { postgresPid, type PostgresPlace } from '../cluster/postgres.js';
import { postgresBinDir } from '../../test/harness/install.js';

const run = promisify(execFile);
const asRoot = process.getuid?.() === 0;

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
  const dir = postgresBinDir();
  if (dir === undefined) throw new Error('PostgreSQL is not installed under /usr/lib/postgresql');
  const args = [
    '-D',
    join(p.dir, 'data'),
    '-l',
    join(p.dir, 'server.log'),
    '-o',
    `-p ${p.port}`,
    '-w',
    '-t',
    '90',
    'start',
  ];
  const pgCtl = join(dir, 'pg_ctl');
  await (asRoot ? run('runuser', ['-u', 'postgres', '--', pgCtl, ...args]) : run(pgCtl, args));
}
