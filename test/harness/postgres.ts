import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureInstalled, postgresBinDir } from './install.js';
import { freePort } from './ports.js';
import { onProcessExit, startWatchdog } from './process-cleanup.js';

const execFileAsync = promisify(execFile);

export interface PostgresOptions {
  /** Default: a free loopback port. */
  port?: number;
  maxConnections?: number;
  /** Extra `postgresql.conf` settings, e.g. `{ shared_buffers: '256MB' }`. */
  settings?: Record<string, string | number>;
}

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` (trust authentication on loopback). */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** The settings the cluster runs with (benchmarks print them). */
  readonly settings: Readonly<Record<string, string | number>>;
  /** Immediate shutdown, then the directory is removed. */
  stop(): Promise<void>;
  /** Like a crash: immediate shutdown (no checkpoint), the directory stays. */
  kill(): Promise<void>;
  /** Starts the cluster again on the same directory and port (after `kill`). */
  restart(): Promise<void>;
}

/** Durability switched off: a test cluster is thrown away, and this makes it several times faster. */
export const TEST_SETTINGS = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
} as const;

/**
 * For benchmarks, on top of the test settings: tables start empty and grow by thousands of rows in
 * seconds, so autovacuum looks every 2 s instead of every minute and the planner's statistics keep
 * up, as they do on a server that has run for a while. With stale statistics the planner picks
 * `(organization_id, ...)` indexes over primary keys on tenancy-scoped lookups and filters through
 * every row of the organization.
 */
export const BENCH_SETTINGS = { autovacuum_naptime: '2s' } as const;

const asRoot = process.getuid?.() === 0;

/** Root may not run PostgreSQL: run its tools as the `postgres` user the package created. */
function asPostgres(bin: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

async function runAsPostgres(bin: string, args: string[]): Promise<void> {
  const [command, argv] = asPostgres(bin, args);
  try {
    await execFileAsync(command, argv, { maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${bin} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

function stopSync(bin: string, dataDir: string): void {
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return;
  const [command, argv] = asPostgres(`${bin}/pg_ctl`, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
  execFileSync(command, argv, { stdio: 'ignore', timeout: 20_000 });
}

/** Starts a throwaway PostgreSQL cluster in a temp directory (about 1-2 s). */
export async function startPostgres(opts: PostgresOptions = {}): Promise<PostgresServer> {
  await ensureInstalled();
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql');
  const port = opts.port ?? (await freePort());
  // As root the cluster runs as `postgres`, which must reach the directory: a TMPDIR under /root
  // would not do. /tmp also keeps the unix socket path well under its 107-byte limit.
  const dir = mkdtempSync(join(asRoot && existsSync('/tmp') ? '/tmp' : tmpdir(), 'dhanman-pg-'));
  const dataDir = join(dir, 'data');
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const settings: Record<string, string | number> = {
    ...TEST_SETTINGS,
    max_connections: opts.maxConnections ?? 300,
    ...opts.settings,
  };

  const pgCtl = (...args: string[]): Promise<void> =>
    runAsPostgres(`${bin}/pg_ctl`, ['-D', dataDir, ...args]);
  const startCluster = (): Promise<void> => pgCtl('-l', join(dir, 'server.log'), '-w', '-t', '60', 'start');
  const running = (): boolean => existsSync(join(dataDir, 'postmaster.pid'));
  const immediateStop = async (): Promise<void> => {
    if (running()) await pgCtl('-m', 'immediate', '-w', 'stop');
  };

  let stopped = false;
  const unregister = onProcessExit(() => {
    try {
      stopSync(bin, dataDir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  const [ctl, ctlArgs] = asPostgres(`${bin}/pg_ctl`, ['-D', dataDir, '-m', 'immediate', 'stop']);
  const stopWatchdog = startWatchdog(
    process.pid,
    `${ctl} ${ctlArgs.join(' ')} >/dev/null 2>&1; rm -rf '${dir}'`,
  );
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    unregister();
    stopWatchdog();
    try {
      await immediateStop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  try {
    const initdbArgs = ['-D', dataDir, ...'-U postgres -A trust -E UTF8 --no-locale --no-sync'.split(' ')];
    await runAsPostgres(`${bin}/initdb`, initdbArgs);
    const conf: Record<string, string | number> = {
      listen_addresses: '127.0.0.1',
      port,
      unix_socket_directories: dir,
      ...settings,
    };
    const lines = Object.entries(conf).map(([k, v]) => `${k} = ${typeof v === 'number' ? v : `'${v}'`}`);
    appendFileSync(join(dataDir, 'postgresql.conf'), `\n# dhanman test harness\n${lines.join('\n')}\n`);
    await startCluster();
  } catch (err) {
    const logFile = join(dir, 'server.log');
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-3000) : '';
    await stop().catch(() => undefined);
    throw new Error(`PostgreSQL did not start: ${(err as Error).message}${log ? `\n${log}` : ''}`);
  }

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    settings,
    stop,
    kill: immediateStop,
    restart: async () => {
      await immediateStop();
      await startCluster();
    },
  };
}
