/**
 * `npm run bench:sign-in`: does a failed sign-in take as long for a missing account as for an
 * existing one (the answer must not tell which exist)? Wrong passwords for the demo admin and for
 * emails that belong to no one, alternating, against Common embedded in this process; throttling
 * thresholds are raised so no answer is slowed or locked. Also the time of a locked answer (429),
 * which checks no password. The last line is one JSON object.
 */
import { startSystem } from '../bin/system.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);

const env: Record<string, string | undefined> = {
  ...process.env,
  DHANMAN_DATA_DIR: 'memory://',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
  RATE_LIMIT_ENABLED: 'false',
  SIGN_IN_SLOW_AFTER: '100000',
  SIGN_IN_ACCOUNT_LOCK_AFTER: '100000',
  SIGN_IN_ADDRESS_LOCK_AFTER: '100000',
};
delete env.DATABASE_URL;
delete env.AMQP_URL;

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;
const round1 = (v: number) => Math.round(v * 10) / 10;

process.stderr.write('starting Common (embedded, PGlite in memory)...\n');
const system = await startSystem({ env, seed: true, only: ['common'], freePorts: true });
const login = `${system.url('common')}/api/auth/login`;
async function attempt(email: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const res = await fetch(login, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'not-the-password' }),
  });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - started };
}
try {
  await attempt('warm-up@nowhere.example');
  const existing: number[] = [];
  const missing: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const a = await attempt('admin@demo.dhanman.local');
    const b = await attempt(`nobody-${i}@nowhere.example`);
    if (a.status !== 401 || b.status !== 401) throw new Error(`expected 401s, got ${a.status} ${b.status}`);
    existing.push(a.ms);
    missing.push(b.ms);
  }
  const p50e = percentile(existing, 0.5);
  const p50m = percentile(missing, 0.5);
  const rows = [
    ['case', 'p50 ms', 'p90 ms'],
    ['existing account, wrong password', round1(p50e), round1(percentile(existing, 0.9))],
    ['missing account', round1(p50m), round1(percentile(missing, 0.9))],
  ];
  process.stdout.write(`${rows.map((r) => r.map((c) => String(c).padEnd(34)).join('')).join('\n')}\n`);
  process.stdout.write(
    `${JSON.stringify({
      rounds: ROUNDS,
      existingP50Ms: round1(p50e),
      missingP50Ms: round1(p50m),
      p50Ratio: Math.round((p50m / p50e) * 1000) / 1000,
    })}\n`,
  );
} finally {
  await system.stop();
}
