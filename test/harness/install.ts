import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';

export const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
export const CHROMIUM = '/usr/bin/chromium';
const POSTGRES_ROOT = '/usr/lib/postgresql';
const PREFERRED_POSTGRES = '15';
const POLICY_RC = '/usr/sbin/policy-rc.d';

/** The bin directory of PostgreSQL 15, or of the newest installed major version. */
export function postgresBinDir(): string | undefined {
  const preferred = `${POSTGRES_ROOT}/${PREFERRED_POSTGRES}/bin`;
  if (existsSync(`${preferred}/initdb`)) return preferred;
  if (!existsSync(POSTGRES_ROOT)) return undefined;
  const versions = readdirSync(POSTGRES_ROOT)
    .filter((v) => /^\d+$/.test(v) && existsSync(`${POSTGRES_ROOT}/${v}/bin/initdb`))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : `${POSTGRES_ROOT}/${versions[0]}/bin`;
}

function missingPackages(): string[] {
  const missing: string[] = [];
  if (postgresBinDir() === undefined) missing.push('postgresql');
  if (!existsSync(RABBITMQ_SERVER)) missing.push('rabbitmq-server');
  // The console's browser tests drive Debian's Chromium (no browser download is possible here).
  if (!existsSync(CHROMIUM)) missing.push('chromium');
  return missing;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}

async function install(packages: string[]): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      `the test servers need Debian packages ${packages.join(' and ')}; ` +
        `install them (apt-get install -y ${packages.join(' ')}) or run the tests as root`,
    );
  }
  process.stderr.write(`[harness] installing ${packages.join(', ')} with apt-get (once per machine)...\n`);
  const started = Date.now();
  // The packages' scripts would start system-wide servers we never use; tell invoke-rc.d not to.
  const blockDaemons = !existsSync(POLICY_RC);
  if (blockDaemons) writeFileSync(POLICY_RC, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    await run('apt-get', ['update']);
    await run('apt-get', ['install', '-y', '--no-install-recommends', ...packages]);
  } finally {
    if (blockDaemons) rmSync(POLICY_RC, { force: true });
  }
  const still = missingPackages();
  if (still.length > 0) throw new Error(`apt-get finished but ${still.join(', ')} is still missing`);
  process.stderr.write(`[harness] installed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

let installing: Promise<void> | undefined;

/** Installs PostgreSQL and RabbitMQ from Debian's packages when either is missing (needs root). */
export function ensureInstalled(): Promise<void> {
  const missing = missingPackages();
  if (missing.length === 0) return Promise.resolve();
  installing ??= install(missing).finally(() => {
    installing = undefined;
  });
  return installing;
}
