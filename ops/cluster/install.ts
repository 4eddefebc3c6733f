import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { postgresBinDir, RABBITMQ_SERVER } from '../../test/harness/install.js';

export const HAPROXY = '/usr/sbin/haproxy';
const POLICY_RC = '/usr/sbin/policy-rc.d';

function missing(): string[] {
  const out: string[] = [];
  if (postgresBinDir() === undefined) out.push('postgresql');
  if (!existsSync(RABBITMQ_SERVER)) out.push('rabbitmq-server');
  if (!existsSync(HAPROXY)) out.push('haproxy');
  return out;
}

/**
 * Installs Debian's postgresql, rabbitmq-server and haproxy when one is missing (as root), as the
 * test harness does, without letting their package scripts start system-wide servers.
 */
export function ensureClusterPackages(say: (line: string) => void): void {
  const packages = missing();
  if (packages.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `the cluster needs Debian packages ${packages.join(', ')}: apt-get install -y ${packages.join(' ')}`,
    );
  }
  say(`installing ${packages.join(', ')} with apt-get (once per machine)…`);
  const blockDaemons = !existsSync(POLICY_RC);
  if (blockDaemons) writeFileSync(POLICY_RC, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...packages]]) {
      const r = spawnSync('apt-get', args, { env, encoding: 'utf8' });
      if (r.status !== 0)
        throw new Error(`apt-get ${args.join(' ')} failed:\n${(r.stderr || r.stdout).slice(-4000)}`);
    }
  } finally {
    if (blockDaemons) rmSync(POLICY_RC, { force: true });
  }
  const still = missing();
  if (still.length > 0) throw new Error(`apt-get finished but ${still.join(', ')} is still missing`);
}
