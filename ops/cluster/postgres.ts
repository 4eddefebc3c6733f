import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { postgresBinDir } from '../../test/harness/install.js';

/**
 * The cluster's one PostgreSQL: a data directory kept under the cluster's, a password of its own
 * (scram), loopback only. As root, PostgreSQL runs as the `postgres` user Debian's package made.
 */
export interface PostgresPlace {
  port: number;
  dir: string;
}

const asRoot = process.getuid?.() === 0;
const dataOf = (p: PostgresPlace) => join(p.dir, 'data');

function bin(tool: string): string {
  const dir = postgresBinDir();
  if (dir === undefined) throw new Error('PostgreSQL is not installed under /usr/lib/postgresql');
  return join(dir, tool);
}

/** The command line that runs a PostgreSQL tool: as the `postgres` user when this process is root. */
export function postgresCommand(tool: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', bin(tool), ...args]] : [bin(tool), args];
}

function run(tool: string, args: string[], timeoutMs = 120_000): string {
  const [command, argv] = postgresCommand(tool, args);
  try {
    return execFileSync(command, argv, {
      encoding: 'utf8',
      timeout: timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${tool} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

function giveToPostgres(path: string): void {
  if (!asRoot) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  chownSync(path, uid, gid);
}

/** Creates the data directory on the first start. */
export function initPostgres(p: PostgresPlace, password: string): void {
  if (existsSync(join(dataOf(p), 'PG_VERSION'))) return;
  rmSync(p.dir, { recursive: true, force: true });
  mkdirSync(p.dir, { recursive: true });
  giveToPostgres(p.dir);
  const pwfile = join(p.dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  giveToPostgres(pwfile);
  try {
    run('initdb', [
      '-D',
      dataOf(p),
      '-U',
      'postgres',
      '--auth=scram-sha-256',
      `--pwfile=${pwfile}`,
      '-E',
      'UTF8',
      '--no-locale',
    ]);
  } finally {
    rmSync(pwfile, { force: true });
  }
  const conf = [
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${p.dir}'`,
    // 2 copies x 7 services x (a pool of 10 + the job queue's) and room for more copies.
    'max_connections = 500',
  ];
  appendFileSync(join(dataOf(p), 'postgresql.conf'), `\n# dhanman cluster\n${conf.join('\n')}\n`);
}

/** pg_ctl's arguments that start the server on `port` (it may differ from the last start) and wait for it. */
export function startArguments(p: PostgresPlace): string[] {
  return ['-D', dataOf(p), '-l', join(p.dir, 'server.log'), '-o', `-p ${p.port}`, '-w', '-t', '90', 'start'];
}

export function startPostgres(p: PostgresPlace): void {
  run('pg_ctl', startArguments(p));
}

/** A clean, quick stop (`fast`: sessions are disconnected, nothing is lost). */
export function stopPostgres(p: PostgresPlace): void {
  if (postgresPid(p) === undefined) return;
  run('pg_ctl', ['-D', dataOf(p), '-m', 'fast', '-w', '-t', '60', 'stop']);
}

export function postgresPid(p: PostgresPlace): number | undefined {
  const file = join(dataOf(p), 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}
