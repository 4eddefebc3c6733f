/**
 * `npm run bench:http`: latency (p50/p99) and throughput of `GET /api/customers/{id}` on Common,
 * called through Sales' resilient client (bulkhead, retry, breaker, timeout, service token,
 * correlation id, metrics) and, in the same run, through a bare `fetch` and a bare
 * `undici.request` (the client's own transport) with the same token.
 * Common runs embedded (PGlite in memory) in this process, as in the default `npm start`; both
 * callers share the process with it, so each number includes the server's work. Blocks of the three
 * callers rotate, so drift (GC, JIT, PGlite caches) hits both alike. Target: p50 overhead < 10%.
 * The last line is one JSON object.
 */
import { clientSecretOf } from '#platform/host/service-credentials.js';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { startSystem } from '../bin/system.js';
import { DEMO_ORGANIZATION, DEMO_RESIDENTS } from '#contracts/demo.js';
import { SERVICE_PORTS } from '#contracts/services.js';
import { loadRuntimeConfig } from '#platform/host/runtime-config.js';
import { createServiceHttpClient } from '#platform/host/service-client.js';
import { runWithContext } from '#platform/observability/context.js';
import { createLogger } from '#platform/observability/logger.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 600);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const WARMUP = 400;

type Call = () => Promise<void>;

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

async function sequential(call: Call, n: number, into: number[]): Promise<void> {
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await call();
    into.push(performance.now() - started);
  }
}

async function concurrent(call: Call, n: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < n) await call();
    }),
  );
  return n / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    DHANMAN_DATA_DIR: 'memory://',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    // Throughput is measured here, not the per-caller limits (one client sends everything).
    RATE_LIMIT_ENABLED: process.env.RATE_LIMIT_ENABLED ?? 'false',
  };
  delete env.DATABASE_URL;
  delete env.AMQP_URL;
  process.stderr.write('starting Common (embedded, PGlite in memory)...\n');
  const system = await startSystem({ env, seed: true, only: ['common'], freePorts: true });
  try {
    const commonUrl = system.url('common');
    const config = loadRuntimeConfig(env, SERVICE_PORTS);
    const client = createServiceHttpClient({
      service: 'sales',
      config,
      clientSecret: clientSecretOf('sales', env),
      urlOf: (target) => {
        if (target !== 'common') throw new Error(`unexpected target ${target}`);
        return commonUrl;
      },
      log: createLogger('sales', 'silent'),
    });
    const customerId = DEMO_RESIDENTS[0]!.customerId;
    const organizationId = DEMO_ORGANIZATION.id;

    const tokenAnswer = await fetch(`${commonUrl}/api/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grantType: 'client_credentials',
        clientId: 'sales',
        clientSecret: clientSecretOf('sales', env),
        organizationId,
      }),
    });
    if (tokenAnswer.status !== 200) throw new Error(`token endpoint answered ${tokenAnswer.status}`);
    const { accessToken } = (await tokenAnswer.json()) as { accessToken: string };
    const url = `${commonUrl}/api/customers/${customerId}`;

    let n = 0;
    const viaClient: Call = () =>
      runWithContext({ correlationId: `bench-${++n}`, organizationId }, async () => {
        const answer = await client.get('common', '/api/customers/{id}', { params: { id: customerId } });
        if (answer.status !== 200) throw new Error(`client got ${answer.status}`);
      });
    const bare: Call = async () => {
      const res = await fetch(url, {
        headers: {
          authorization: `Bearer ${accessToken}`,
          accept: 'application/json',
          'x-correlation-id': `bench-${++n}`,
        },
      });
      const body = await res.json();
      if (res.status !== 200 || !body) throw new Error(`fetch got ${res.status}`);
    };

    // The client's own transport without the resilience layer: isolates what the policies cost.
    const pool = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
    const bareUndici: Call = async () => {
      const res = await request(url, {
        headers: {
          authorization: `Bearer ${accessToken}`,
          accept: 'application/json',
          'x-correlation-id': `bench-${++n}`,
        },
        dispatcher: pool,
      });
      const body = await res.body.json();
      if (res.statusCode !== 200 || !body) throw new Error(`undici got ${res.statusCode}`);
    };

    process.stderr.write('warming up...\n');
    await sequential(viaClient, WARMUP, []);
    await sequential(bare, WARMUP, []);
    await sequential(bareUndici, WARMUP, []);

    type Caller = 'client' | 'bare' | 'undici';
    const callers: Array<[Caller, Call]> = [
      ['client', viaClient],
      ['bare', bare],
      ['undici', bareUndici],
    ];
    const latency: Record<Caller, number[]> = { client: [], bare: [], undici: [] };
    const throughput: Record<Caller, number[]> = { client: [], bare: [], undici: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = [...callers.slice(round % 3), ...callers.slice(0, round % 3)];
      for (const [name, call] of order) await sequential(call, SEQUENTIAL, latency[name]);
      for (const [name, call] of order)
        throughput[name].push(await concurrent(call, CONCURRENT, CONCURRENCY));
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
    }
    await client.close();
    await pool.close();

    const stats = (name: Caller) => {
      const sorted = [...latency[name]].sort((a, b) => a - b);
      const rps = [...throughput[name]].sort((a, b) => a - b);
      return {
        p50: percentile(sorted, 50),
        p90: percentile(sorted, 90),
        p99: percentile(sorted, 99),
        rps: percentile(rps, 50),
      };
    };
    const c = stats('client');
    const b = stats('bare');
    const u = stats('undici');
    const fmt = (v: number, d = 3) => v.toFixed(d).padStart(10);
    const rows = [
      ['', 'p50 ms', 'p90 ms', 'p99 ms', 'req/s'],
      ['resilient client', fmt(c.p50), fmt(c.p90), fmt(c.p99), fmt(c.rps, 0)],
      ['bare fetch', fmt(b.p50), fmt(b.p90), fmt(b.p99), fmt(b.rps, 0)],
      ['bare undici', fmt(u.p50), fmt(u.p90), fmt(u.p99), fmt(u.rps, 0)],
      ['client / fetch', fmt(c.p50 / b.p50), fmt(c.p90 / b.p90), fmt(c.p99 / b.p99), fmt(c.rps / b.rps)],
      ['client / undici', fmt(c.p50 / u.p50), fmt(c.p90 / u.p90), fmt(c.p99 / u.p99), fmt(c.rps / u.rps)],
    ];
    const out = [
      `GET /api/customers/{id} on Common (embedded, same process); ${ROUNDS} rounds x ${SEQUENTIAL} sequential calls per caller,`,
      `throughput: ${CONCURRENT} calls at concurrency ${CONCURRENCY} per round (median round); node ${process.version}`,
      ...rows.map(
        (r) =>
          `${r[0]!.padEnd(18)}${r
            .slice(1)
            .map((v) => String(v).padStart(11))
            .join('')}`,
      ),
      `p50 overhead of the resilient client: ${pct(c.p50 / b.p50)} over bare fetch (target < 10%), ` +
        `${pct(c.p50 / u.p50)} over bare undici.request (its own transport)`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    process.stdout.write(
      `${JSON.stringify({
        clientP50Ms: round3(c.p50),
        bareP50Ms: round3(b.p50),
        clientP90Ms: round3(c.p90),
        bareP90Ms: round3(b.p90),
        clientP99Ms: round3(c.p99),
        bareP99Ms: round3(b.p99),
        clientRps: Math.round(c.rps),
        bareRps: Math.round(b.rps),
        undiciP50Ms: round3(u.p50),
        undiciP99Ms: round3(u.p99),
        undiciRps: Math.round(u.rps),
        p50OverheadRatio: round3(c.p50 / b.p50),
        p50OverheadRatioVsUndici: round3(c.p50 / u.p50),
        concurrency: CONCURRENCY,
        rounds: ROUNDS,
        mode: 'embedded-same-process',
      })}\n`,
    );
  } finally {
    await system.stop();
  }
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
const pct = (ratio: number) => `${((ratio - 1) * 100).toFixed(1)}%`;

await main();
