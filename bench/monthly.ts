/**
 * `npm run bench:monthly`: the monthly invoice run at the scale of the 1st of the month, on
 * RabbitMQ + PostgreSQL (each service its own process) with a real SMTP server on loopback.
 * R residents (default 20,000 over 20 organizations; `--residents 100000`, `--organizations N`)
 * are triggered at once (one run per organization) and measured until fully settled: every
 * invoice created, posted by Common and acknowledged back to Sales, mailed, and every organization's
 * daily reminder sweep scheduled. Meanwhile an accountant lists invoices and opens one, 5 requests a
 * second: the API's p99 during the run. Then, on the same stack, the seed's own loop on a sample
 * (`--sample`, default 300): one resident at a time, one request and transaction per invoice, in
 * sequence; and the floor (bench/monthly/floor.ts): the same rows and messages per resident written
 * by a minimal pipeline with no framework (`--floor N` residents, default as many as the run).
 * Prints the rates, the ratio, the run's share of the floor, each process's peak RSS and the CPU a
 * resident costs the stack in each (a figure a machine shared with other work disturbs much less);
 * last line JSON.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { launchDistributed } from './launch.js';
import { BENCH_DEMO_PASSWORD, benchDatabaseUrl, startBenchServers } from './load/servers.js';
import { progress, serviceClients, serviceDb, until, type Json } from './rig.js';
import { populate } from '../test/support/residents.js';
import { cpuPerResident, stackCpu } from './monthly/cpu.js';
import { rssSampler } from './monthly/rss.js';
import { apiProbe, quantile } from './monthly/api-probe.js';
import { measureFloor } from './monthly/floor.js';

const { values: args } = parseArgs({
  options: {
    residents: { type: 'string', default: process.env.BENCH_RESIDENTS ?? '20000' },
    organizations: { type: 'string', default: process.env.BENCH_ORGANIZATIONS ?? '20' },
    sample: { type: 'string', default: process.env.BENCH_SEED_SAMPLE ?? '300' },
    floor: { type: 'string' },
  },
});
const residents = Number(args.residents);
const organizations = Number(args.organizations);
const sample = Number(args.sample);
const floorResidents = Number(args.floor ?? residents);
const password = 'bench-password-1';

const servers = await startBenchServers();
const { postgres, rabbit, sink } = servers;
const prefix = `benchm${Date.now().toString(36)}`;
const system = await launchDistributed(
  {
    ...process.env,
    LOG_LEVEL: 'warn',
    ...servers.env(prefix),
    // The demo organization is seeded too (launchDistributed's --demo): production refuses the public password.
    DHANMAN_DEMO_PASSWORD: BENCH_DEMO_PASSWORD,
  },
  ['common', 'community', 'sales', 'notification'],
);
const rss = rssSampler(system.pids);
const cpu = stackCpu(system.pids, rabbit.pid, postgres.dir);
const api = serviceClients(system.urls, 8);
const dbs = {
  common: serviceDb(postgres.url, prefix, 'common'),
  community: serviceDb(postgres.url, prefix, 'community'),
  sales: serviceDb(postgres.url, prefix, 'sales'),
};
const count = async (db: keyof typeof dbs, sql: string, params: unknown[] = []) =>
  Number((await dbs[db].query<{ n: string }>(sql, params)).rows[0]!.n);

try {
  const period = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' })
    .format(new Date())
    .slice(0, 7);
  const register = async (tag: string, n: number) => {
    const email = `admin-${tag}@bench.example`;
    const res = await api.call('common', 'POST', '/api/organizations', undefined, {
      name: `Society ${tag}`,
      companyName: `Society ${tag} Maintenance`,
      admin: { email, name: `Admin ${tag}`, password },
    });
    if (res.status !== 202) throw new Error(`registering ${tag}: ${res.status} ${JSON.stringify(res.body)}`);
    await until(`the sign-up link to ${email}`, async () => sink.signUpToken(email) !== undefined, 30_000);
    const token = sink.signUpToken(email);
    const verified = await api.call('common', 'POST', '/api/organizations/verify', undefined, { token });
    if (verified.status !== 201) throw new Error(`verifying ${tag}: ${verified.status}`);
    const ids = verified.body;
    await populate(dbs, { organizationId: ids.organizationId, companyId: ids.companyId, tag }, n);
    // A token lasts 15 minutes, less than a large run takes: each phase signs in when it starts.
    const signIn = async () =>
      (await api.call('common', 'POST', '/api/auth/login', undefined, { email, password })).body
        .accessToken as string;
    return { organizationId: ids.organizationId as string, signIn };
  };

  console.log(
    `populating ${residents} residents over ${organizations} organizations (+${sample} for the seed loop)...`,
  );
  const perOrg = Math.ceil(residents / organizations);
  const orgs = [];
  for (let i = 0; i < organizations; i += 1) {
    orgs.push(await register(`o${i}`, Math.min(perOrg, residents - i * perOrg)));
  }
  const seedOrg = await register('seedloop', sample);
  const orgIds = orgs.map((o) => o.organizationId);

  // --- The run: every organization's run started at once; measured until fully settled.
  const cpu0 = cpu();
  const tokens = await Promise.all(orgs.map((o) => o.signIn()));
  const probe = await apiProbe(api, orgs[0]!.signIn);
  const t0 = performance.now();
  const runs = await Promise.all(
    tokens.map((token) => api.call('sales', 'POST', '/api/invoice-runs', token, { period })),
  );
  if (runs.some((r) => r.status !== 202))
    throw new Error(`a run did not start: ${JSON.stringify(runs[0]!.body)}`);
  const marks: Record<string, number> = {};
  const mark = (name: string, done: boolean) => {
    if (done && marks[name] === undefined) marks[name] = (performance.now() - t0) / 1000;
    return done;
  };
  await until(
    'the run to settle',
    async () => {
      const created = await count(
        'sales',
        `SELECT count(*) AS n FROM invoice_run_item WHERE organization_id = ANY($1::uuid[])`,
        [orgIds],
      );
      const posted = await count(
        'sales',
        `SELECT count(*) AS n FROM invoice WHERE organization_id = ANY($1::uuid[]) AND journal_id IS NOT NULL`,
        [orgIds],
      );
      // Reminders are decided by each organization's daily sweep: scheduled, no job per invoice.
      const reminders = await count(
        'sales',
        `SELECT count(*) AS n FROM pgboss_sales.dhanman_recurring
          WHERE queue = 'payment-reminder-sweep' AND data->>'organizationId' = ANY($1::text[])`,
        [orgIds],
      );
      const running = await count('sales', `SELECT count(*) AS n FROM invoice_run WHERE status = 'running'`);
      const failed = await dbs.sales.query<{ reason: string }>(
        `SELECT string_agg(reason, ' | ') AS reason FROM invoice_run WHERE status = 'failed' HAVING count(*) > 0`,
      );
      if (failed.rows[0]) throw new Error(`a run failed: ${failed.rows[0].reason}`);
      const a = mark('created', created >= residents && running === 0);
      const b = mark('posted', posted >= residents);
      const c = mark('mailed', sink.received() >= residents);
      const d = mark('reminders', reminders >= organizations);
      progress(
        `created ${created}, posted ${posted}, mailed ${sink.received()}, reminder sweeps ${reminders}, running ${running}`,
      );
      return a && b && c && d;
    },
    Math.max(30 * 60_000, residents * 60),
    // Once a second: each look counts every invoice and reminder so far, PostgreSQL work of its own.
    1000,
  );
  const settledSeconds = (performance.now() - t0) / 1000;
  const api99 = await probe.stop();
  const apiP99Ms = quantile(api99.latenciesMs, 0.99);
  const runCpu = cpuPerResident(cpu0, cpu(), residents);
  console.error(`  run settled in ${settledSeconds.toFixed(1)} s; now the seed loop on ${sample} residents`);
  for (const r of (
    await dbs.sales.query<{ status: string; reason: string | null; failed: number }>(
      `SELECT status, reason, failed FROM invoice_run WHERE status <> 'completed' OR failed > 0 LIMIT 5`,
    )
  ).rows)
    console.error(`  run ${r.status}: ${r.reason ?? ''} (${r.failed} residents failed)`);
  const failedRuns = await count(
    'sales',
    `SELECT count(*) AS n FROM invoice_run WHERE status <> 'completed'`,
  );
  const residentsPerSecond = residents / settledSeconds;

  // --- The seed's loop on a sample: residents read from Community, then one invoice at a time.
  const mailsBefore = sink.received();
  const seedCpu0 = cpu();
  const seedToken = await seedOrg.signIn();
  const s0 = performance.now();
  const list: Json[] = [];
  let cursor: string | null = null;
  do {
    const q: string = `/api/residents/active?limit=200${cursor ? `&cursor=${cursor}` : ''}`;
    const page = await api.call('community', 'GET', q, seedToken);
    if (page.status !== 200)
      throw new Error(`seed loop residents: ${page.status} ${JSON.stringify(page.body)}`);
    list.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  for (const r of list) {
    const res = await api.call('sales', 'POST', '/api/invoices', seedToken, {
      customerId: r.customerId,
      amount: r.monthlyCharges,
      issueDate: `${period}-01`,
      dueDate: `${period}-15`,
    });
    if (res.status !== 201) throw new Error(`seed loop invoice: ${res.status} ${JSON.stringify(res.body)}`);
  }
  await until(
    'the seed loop to settle',
    async () =>
      (await count(
        'sales',
        `SELECT count(*) AS n FROM invoice WHERE organization_id = $1 AND journal_id IS NOT NULL`,
        [seedOrg.organizationId],
      )) >= sample && sink.received() - mailsBefore >= sample,
    Math.max(30 * 60_000, sample * 1000),
  );
  const seedSeconds = (performance.now() - s0) / 1000;
  const seedCpu = cpuPerResident(seedCpu0, cpu(), sample);
  const seedLoopResidentsPerSecond = sample / seedSeconds;
  rss.stop();

  // --- The floor: the same rows and messages per resident, no framework, same servers.
  console.error(`  now the floor on ${floorResidents} residents`);
  const floor = await measureFloor({
    // Reached as the services reach it (benchDatabaseUrl): the floor and the run compare like for like.
    postgresUrl: benchDatabaseUrl(postgres),
    amqpUrl: servers.env(prefix).AMQP_URL!,
    database: `${prefix}_floor`,
    residents: floorResidents,
  });
  const floorShare = residentsPerSecond / floor.residentsPerSecond;
  const peak = rss.peak();
  const round = (x: number) => Math.round(x * 10) / 10;
  const ratio = residentsPerSecond / seedLoopResidentsPerSecond;

  console.log('');
  console.log(
    `monthly run    ${residents} residents / ${organizations} orgs: settled in ${settledSeconds.toFixed(1)} s = ${residentsPerSecond.toFixed(0)} residents/s`,
  );
  console.log(
    `  done after: created ${marks.created?.toFixed(1)} s, posted+acknowledged ${marks.posted?.toFixed(1)} s, ` +
      `mailed ${marks.mailed?.toFixed(1)} s, reminders ${marks.reminders?.toFixed(1)} s; runs not completed: ${failedRuns}`,
  );
  console.log(
    `seed loop      ${sample} residents in sequence: ${seedSeconds.toFixed(1)} s = ${seedLoopResidentsPerSecond.toFixed(1)} residents/s`,
  );
  console.log(
    `floor          ${floorResidents} residents, same rows and messages, no framework: ${floor.residentsPerSecond.toFixed(0)} residents/s; the run does ${(floorShare * 100).toFixed(0)}% of it`,
  );
  console.log(`ratio          ${ratio.toFixed(1)}x (target >= 5x: ${ratio >= 5 ? 'met' : 'MISSED'})`);
  console.log(
    `API p99        ${apiP99Ms.toFixed(0)} ms over ${api99.latenciesMs.length} requests during the run, ${api99.errors} errors (target < 300 ms: ${apiP99Ms < 300 ? 'met' : 'MISSED'})`,
  );
  console.log(`  slowest        ${api99.slowest}`);
  console.log(
    `peak RSS (MB)  ${Object.entries(peak)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')} (target <= 1024: ${Object.values(peak).every((v) => v <= 1024) ? 'met' : 'MISSED'})`,
  );
  const cpuRatio = seedCpu.total! / runCpu.total!;
  const parts = (c: Record<string, number>) =>
    Object.entries(c)
      .filter(([k]) => k !== 'total')
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  console.log(
    `CPU/resident   run ${runCpu.total} ms, seed loop ${seedCpu.total} ms: ${cpuRatio.toFixed(1)}x ` +
      `(load average at the end ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})`,
  );
  console.log(`  run (ms)       ${parts(runCpu)}`);
  console.log(`  seed loop (ms) ${parts(seedCpu)}`);
  if (residents >= 100_000) {
    console.log(
      `100k target (< 180 s): ${settledSeconds < 180 ? 'met' : 'MISSED'} (${settledSeconds.toFixed(1)} s)`,
    );
  }
  console.log(
    JSON.stringify({
      residents,
      organizations,
      settledSeconds: round(settledSeconds),
      residentsPerSecond: round(residentsPerSecond),
      seedLoopSample: sample,
      seedLoopResidentsPerSecond: round(seedLoopResidentsPerSecond),
      ratio: round(ratio),
      peakRssMb: peak,
      cpuMsPerResident: { run: runCpu, seedLoop: seedCpu },
      cpuRatio: round(cpuRatio),
      apiP99Ms: round(apiP99Ms),
      apiRequests: api99.latenciesMs.length,
      apiErrors: api99.errors,
      floorResidents,
      floorResidentsPerSecond: round(floor.residentsPerSecond),
      floorShare: Math.round(floorShare * 1000) / 1000,
      phasesSeconds: Object.fromEntries(Object.entries(marks).map(([k, v]) => [k, round(v)])),
    }),
  );
} finally {
  rss.stop();
  await api.close();
  await Promise.all(Object.values(dbs).map((p) => p.end()));
  await system.stop();
  await servers.stop();
}
