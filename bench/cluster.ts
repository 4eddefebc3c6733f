/**
 * `npm run bench:cluster` (also `npm run bench:invoices -- --cluster`): invoices per second end to
 * end through the balancer of `npm run cluster` (3 RabbitMQ nodes, PostgreSQL, HAProxy), with 1 and
 * then 2 copies of each service, and the CPU per invoice of every process. On 2 cores the second
 * copy brings no gain (the machine is the limit, not a copy); the CPU per invoice feeds the
 * capacity model in docs/scaling.md. BENCH_INVOICES, BENCH_CONCURRENCY, BENCH_CUSTOMERS and
 * BENCH_COPIES (default "1,2") change the load.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SERVICE_NAMES } from '#contracts/services.js';
import { stopCluster, upCluster } from '../ops/cluster/launcher.js';
import { loadOrCreateSecrets } from '../ops/cluster/secrets.js';
import { cpuPerItem, sampleCpu } from './invoices/cpu.js';
import { runInvoices, type RunResult } from './invoices/load.js';
import { flowEnv } from './load/flow-run.js';

const num = (name: string, def: number) => Number(process.env[name] ?? def);
const invoices = num('BENCH_INVOICES', 3000);
const concurrency = num('BENCH_CONCURRENCY', 64);
const customers = num('BENCH_CUSTOMERS', 50);
const copiesList = (process.env.BENCH_COPIES ?? '1,2').split(',').map(Number);

interface Measured extends RunResult {
  copies: number;
  cpuMsPerInvoice: number;
  cpu: [string, number][];
}

async function measure(copies: number): Promise<Measured> {
  const base = mkdtempSync(path.join(tmpdir(), 'dhanman-bench-cluster-'));
  // PostgreSQL runs as the `postgres` user when we are root: it must reach its directory.
  chmodSync(base, 0o755);
  const dataDir = path.join(base, 'cluster');
  const say = (line: string) => process.stderr.write(`[cluster] ${line}\n`);
  // The cluster makes its own demo password; flowEnv's is replaced by it.
  const state = await upCluster({ dataDir, copies, freePorts: true, env: flowEnv(''), say });
  try {
    const password = loadOrCreateSecrets(dataDir).env.DHANMAN_DEMO_PASSWORD ?? '';
    const urls = Object.fromEntries(
      SERVICE_NAMES.map((s) => [s, `http://127.0.0.1:${state.plan.balancer.ports[s]}`]),
    ) as Parameters<typeof runInvoices>[0];
    // Warm-up: JIT, pools, token caches, the month's counter row.
    await runInvoices(urls, { invoices: Math.min(200, invoices), concurrency, customers: 10, password });
    const before = sampleCpu(state.plan.postgres.dir);
    const result = await runInvoices(urls, { invoices, concurrency, customers, password });
    const cpu = cpuPerItem(before, sampleCpu(state.plan.postgres.dir), result.invoices);
    const total = cpu.reduce((t, [, ms]) => t + ms, 0);
    console.log(
      `${`${copies} cop${copies === 1 ? 'y' : 'ies'} of each service`.padEnd(28)} ` +
        `${result.endToEndPerSecond.toFixed(0).padStart(6)} invoices/s end to end ` +
        `(${result.invoices} in ${result.endToEndSeconds.toFixed(2)} s; HTTP ${result.httpPerSecond.toFixed(0)}/s, ` +
        `p99 ${result.latencyMs.p99.toFixed(1)} ms; ${result.errors} errors)`,
    );
    console.log(
      `  CPU per invoice: ${total.toFixed(1)} ms (${cpu.map(([g, ms]) => `${g} ${ms.toFixed(1)}`).join(', ')})`,
    );
    return { ...result, copies, cpuMsPerInvoice: total, cpu };
  } finally {
    await stopCluster(state);
    rmSync(base, { recursive: true, force: true });
  }
}

console.log(
  `through HAProxy to N copies; 3 RabbitMQ nodes (quorum queues, 3 replicas); PostgreSQL with its defaults (fsync on); ` +
    `${invoices} invoices, ${concurrency} at a time`,
);
const runs: Measured[] = [];
for (const copies of copiesList) runs.push(await measure(copies));
const round = (x: number) => Math.round(x * 10) / 10;
console.log(
  JSON.stringify({
    cluster: runs.map((r) => ({
      copies: r.copies,
      invoicesPerSecond: round(r.endToEndPerSecond),
      httpPerSecond: round(r.httpPerSecond),
      p99Ms: round(r.latencyMs.p99),
      cpuMsPerInvoice: round(r.cpuMsPerInvoice),
      errors: r.errors,
    })),
    invoices,
    concurrency,
  }),
);
