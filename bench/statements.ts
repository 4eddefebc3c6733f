/**
 * `npm run bench:statements`: how many SQL statements an invoice costs each service, end to end
 * (created in Sales, posted by Common, mailed by Notification), read from PostgreSQL's
 * pg_stat_statements over a run of BENCH_INVOICES (default 1000) after a warm-up. A count, not a
 * time: it does not move with the machine's load, and on this machine every statement is a socket
 * write and a wake-up on both sides (the profiles' largest self-time frame is `writev` under
 * pg's `Query.submit`). Prints per service the statements per invoice and its most frequent ones;
 * last line JSON.
 */
import { launchDistributed } from './launch.js';
import { runInvoices } from './invoices/load.js';
import { flowEnv } from './load/flow-run.js';
import { BENCH_DEMO_PASSWORD, startBenchServers } from './load/servers.js';
import pg from 'pg';

const invoices = Number(process.env.BENCH_INVOICES ?? 1000);
const top = Number(process.env.BENCH_TOP ?? 8);
const servers = await startBenchServers({ shared_preload_libraries: 'pg_stat_statements' });
const prefix = `benchs${Date.now().toString(36)}`;
const admin = new pg.Pool({ connectionString: servers.postgres.url, max: 1 });
const system = await launchDistributed({ ...flowEnv(BENCH_DEMO_PASSWORD), ...servers.env(prefix) });
try {
  await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const load = { concurrency: 32, customers: 20, password: BENCH_DEMO_PASSWORD };
  await runInvoices(system.urls, { ...load, invoices: 200 });
  await admin.query('SELECT pg_stat_statements_reset()');
  await runInvoices(system.urls, { ...load, invoices });
  const { rows } = await admin.query<{ db: string; calls: string; query: string }>(
    `SELECT d.datname AS db, s.calls, s.query
       FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
      WHERE d.datname LIKE $1 ORDER BY s.calls DESC`,
    [`${prefix}\\_%`],
  );
  const perService: Record<string, number> = {};
  console.log(`${invoices} invoices end to end; statements per invoice by service (pg_stat_statements)`);
  for (const service of [...new Set(rows.map((r) => r.db))].sort()) {
    const mine = rows.filter((r) => r.db === service);
    const total = mine.reduce((t, r) => t + Number(r.calls), 0) / invoices;
    const name = service.slice(prefix.length + 1);
    perService[name] = Math.round(total * 10) / 10;
    console.log(`\n${name.padEnd(14)} ${total.toFixed(1)} statements per invoice`);
    for (const r of mine.slice(0, top))
      console.log(
        `  ${(Number(r.calls) / invoices).toFixed(2).padStart(6)}  ${r.query.replace(/\s+/g, ' ').slice(0, 150)}`,
      );
  }
  const total = Object.values(perService).reduce((t, n) => t + n, 0);
  console.log(`\ntotal          ${total.toFixed(1)} statements per invoice`);
  console.log(
    JSON.stringify({ invoices, statementsPerInvoice: { ...perService, total: Math.round(total * 10) / 10 } }),
  );
} finally {
  await admin.end();
  await system.stop();
  await servers.stop();
}
