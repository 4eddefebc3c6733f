/**
 * `tsx bench/jobs.ts [count]`: the job queue (pg-boss 10 over our Db) on PGlite and on PostgreSQL.
 * For each: enqueue N jobs one call at a time, N jobs in one transaction, then the time for the
 * workers to run them all (handler does nothing), at worker concurrency 4 and 16. Also PGlite's
 * boot time and the process RSS. PostgreSQL is a throwaway cluster from the test harness
 * (fsync off: the numbers are the queue's, not the disk's), or DATABASE_URL when set.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '#platform/data/db.js';
import { openEmbedded } from '#platform/data/pglite.js';
import { openPostgres } from '#platform/data/postgres.js';
import { startJobs } from '#platform/jobs/pgboss.js';
import { BENCH_SETTINGS, startPostgres } from '../test/harness/postgres.js';

const count = Number(process.argv[2] ?? 2000);
const rssMb = () => Math.round(process.memoryUsage().rss / 1e6);
const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000)}/s`;

async function measure(label: string, db: Db): Promise<void> {
  for (const concurrency of [4, 16]) {
    let done = 0;
    const jobs = await startJobs({
      db,
      service: db.service,
      pollIntervalSeconds: 0.5,
      concurrency,
      definitions: [{ name: `noop-${concurrency}`, handle: async () => void (done += 1) }],
    });
    const name = `noop-${concurrency}`;
    await jobs.stop(); // enqueue first, then measure the workers alone
    let t = Date.now();
    for (let i = 0; i < count; i += 1) await jobs.enqueue(name, { i });
    const oneByOne = Date.now() - t;
    t = Date.now();
    await db.transaction(async (tx) => {
      for (let i = 0; i < count; i += 1) await jobs.enqueue(name, { i }, { tx });
    });
    const inOneTx = Date.now() - t;

    t = Date.now();
    const workers = await startJobs({
      db,
      service: db.service,
      pollIntervalSeconds: 0.5,
      concurrency,
      definitions: [{ name, handle: async () => void (done += 1) }],
    });
    while (done < 2 * count) await sleep(20);
    const drain = Date.now() - t;
    await workers.stop();
    console.log(
      `${label} concurrency ${concurrency}: enqueue ${rate(count, oneByOne)} (one by one), ` +
        `${rate(count, inOneTx)} (in one transaction); run ${rate(2 * count, drain)} (${2 * count} jobs, ` +
        `${drain} ms incl. start)`,
    );
  }
}

let t = Date.now();
const embedded = await openEmbedded({ dataDir: 'memory://' });
console.log(`PGlite boot (memory://) ${Date.now() - t} ms, RSS ${rssMb()} MB`);
await measure('PGlite', await embedded.forService('bench'));
console.log(`RSS after the PGlite run ${rssMb()} MB`);
await embedded.close();

const server = process.env.DATABASE_URL ? undefined : await startPostgres({ settings: BENCH_SETTINGS });
const url = process.env.DATABASE_URL ?? server!.url;
if (server) console.log(`PostgreSQL: throwaway cluster, settings ${JSON.stringify(server.settings)}`);
t = Date.now();
const pg = await openPostgres({ serverUrl: url, service: 'bench', databasePrefix: `jobs${Date.now()}` });
console.log(`PostgreSQL open (database created) ${Date.now() - t} ms`);
try {
  await measure('PostgreSQL', pg);
} finally {
  await pg.close();
  await server?.stop();
}
