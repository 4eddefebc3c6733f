/**
 * `npm run bench:start`: time from launching `npm start`'s entry point to every service answering
 * /health/ready 200, and resident memory at rest, on a fresh data directory and again on restart.
 * Baseline, in the same run: a bare process that only boots PGlite on a fresh directory (the floor
 * any embedded start pays). Targets: ready < 15 s, RSS < 1.2 GB.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { descendantsOf } from '../test/harness/process-cleanup.js';
import { sleep } from '../test/support/wait.js';
import { freeServicePorts, launch, ROOT, terminate, waitReady, watch } from '../test/support/processes.js';

function rssMb(pid: number): number {
  // The process tree: tsx runs the program in a child node process.
  let total = 0;
  for (const p of [pid, ...descendantsOf(pid)]) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      total += kb / 1024;
    } catch {
      /* exited */
    }
  }
  return Math.round(total);
}

async function launchSystem(dataDir: string): Promise<{ readySeconds: number; rssMb: number }> {
  const { env: ports, urls } = await freeServicePorts();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DHANMAN_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...ports,
  };
  delete env.DATABASE_URL;
  delete env.AMQP_URL;
  const started = performance.now();
  const proc = launch('bin/start.ts', [], env, { stdio: 'stderr' });
  try {
    // A 50 ms poll: the resolution of the ready time.
    for (const url of Object.values(urls)) await waitReady(url, proc, 120_000, 50);
    const readySeconds = (performance.now() - started) / 1000;
    await sleep(5_000); // at rest: jobs and relays idle
    return { readySeconds, rssMb: rssMb(proc.child.pid!) };
  } finally {
    await terminate(proc);
  }
}

async function launchBaseline(dataDir: string): Promise<{ readySeconds: number; rssMb: number }> {
  const script = `import { PGlite } from '@electric-sql/pglite';
    const db = await PGlite.create(${JSON.stringify(path.join(dataDir, 'pgdata'))});
    await db.query('select 1'); process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`;
  const started = performance.now();
  const proc = watch(
    spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      proc.child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      proc.child.once('exit', (code) => reject(new Error(`baseline exited with ${code}`)));
    });
    const readySeconds = (performance.now() - started) / 1000;
    await sleep(2_000);
    return { readySeconds, rssMb: rssMb(proc.child.pid!) };
  } finally {
    await terminate(proc);
  }
}

const dirs = [
  mkdtempSync(path.join(tmpdir(), 'dhanman-bench-')),
  mkdtempSync(path.join(tmpdir(), 'dhanman-base-')),
];
try {
  const baseline = await launchBaseline(dirs[1]!);
  const first = await launchSystem(dirs[0]!);
  const restart = await launchSystem(dirs[0]!);
  const rows = [
    ['baseline: bare PGlite boot', baseline],
    ['npm start, first run (migrations + demo seed)', first],
    ['npm start, restart on the same data', restart],
  ] as const;
  console.log('\nStart-up of the embedded system (all 7 services ready)\n');
  console.log(`${'run'.padEnd(48)} ${'ready s'.padStart(8)} ${'RSS MB'.padStart(8)}`);
  for (const [label, r] of rows)
    console.log(
      `${label.padEnd(48)} ${r.readySeconds.toFixed(2).padStart(8)} ${String(r.rssMb).padStart(8)}`,
    );
  const readyRatio = first.readySeconds / baseline.readySeconds;
  const rssRatio = first.rssMb / baseline.rssMb;
  console.log(
    `\nratio to baseline (first run): time x${readyRatio.toFixed(2)}, memory x${rssRatio.toFixed(2)}`,
  );
  console.log(
    `targets: ready < 15 s (${first.readySeconds < 15 ? 'met' : 'MISSED'}), RSS < 1200 MB (${first.rssMb < 1200 ? 'met' : 'MISSED'})\n`,
  );
  console.log(
    JSON.stringify({
      readySeconds: Number(first.readySeconds.toFixed(2)),
      rssMb: first.rssMb,
      restartReadySeconds: Number(restart.readySeconds.toFixed(2)),
      restartRssMb: restart.rssMb,
      baselineReadySeconds: Number(baseline.readySeconds.toFixed(2)),
      baselineRssMb: baseline.rssMb,
      readyRatio: Number(readyRatio.toFixed(2)),
      rssRatio: Number(rssRatio.toFixed(2)),
    }),
  );
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
