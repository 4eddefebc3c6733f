import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OPERATOR, DEMO_USERS } from '#contracts/demo.js';
import { EMBEDDED_GATEWAY_API_KEY } from '#contracts/services.js';
import type { Db } from '#platform/data/db.js';
import { listRoutes } from '#platform/http/route-policy.js';
import { fuzzRoutes } from '../../support/http/fuzz-routes.js';
import { startTestSystem, type TestSystem } from '../../support/system.js';

/** Everything a service has stored, as one comparable value per table. */
async function fingerprint(db: Db): Promise<Record<string, string>> {
  const { rows: tables } = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const out: Record<string, string> = {};
  for (const { table_name: table } of tables) {
    const { rows } = await db.query<{ n: string; digest: string | null }>(
      `SELECT count(*)::text AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM "${table}" t`,
    );
    out[table] = `${rows[0]!.n}:${rows[0]!.digest ?? ''}`;
  }
  return out;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Random bodies, queries, headers and path parameters at every route of every service, with an
 * admin's token (so requests get past auth to validation and handlers; the operator's on the
 * operations and mail routes, which read across organizations for them; the gateway's merchant key
 * on the gateway): never a 500, every error
 * is problem+json, and a route that accepted no write wrote nothing to any service's database.
 */
describe('every route of every service under random input', () => {
  let system: TestSystem;
  let token: string;
  let operator: string;

  beforeAll(async () => {
    system = await startTestSystem({ mode: 'embedded' });
    token = await system.login(DEMO_USERS[0].email);
    operator = await system.login(DEMO_OPERATOR.email);
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
  });

  it('answers 4xx problem+json (never 500) and writes nothing', async () => {
    const dbs = system.services.flatMap((s) => (s.db ? [{ name: s.name, db: s.db }] : []));
    const snapshot = async () =>
      Object.fromEntries(await Promise.all(dbs.map(async (d) => [d.name, await fingerprint(d.db)])));
    let routes = 0;
    let requests = 0;
    for (const service of system.services) {
      for (const route of listRoutes(service.app)) {
        if (route.method === 'HEAD' || route.url.startsWith('/docs')) continue;
        const writes = WRITES.has(route.method);
        const before = writes ? await snapshot() : undefined;
        let accepted = 0;
        const asOperator = route.url.startsWith('/api/ops/') || route.url.startsWith('/api/emails');
        const report = await fuzzRoutes(service.app, {
          // The gateway answers its merchant key, not an organization's token (which it refuses).
          token: service.name === 'gateway' ? EMBEDDED_GATEWAY_API_KEY : asOperator ? operator : token,
          runs: Number(process.env.FUZZ_RUNS ?? 25),
          seed: 20261123,
          include: (r) => r.method === route.method && r.url === route.url,
          afterEach: (_route, status) => {
            if (status < 400) accepted++;
          },
        });
        routes += report.routes;
        requests += report.requests;
        expect(Object.keys(report.statuses).filter((s) => Number(s) >= 500)).toEqual([]);
        // A write route that rejected every random request must have left every database as it was.
        if (writes && accepted === 0) {
          expect(
            await snapshot(),
            `${service.name} ${route.method} ${route.url} changed stored data`,
          ).toEqual(before);
        }
      }
    }
    expect(routes).toBeGreaterThanOrEqual(30);
    expect(requests).toBeGreaterThan(500);
  }, 600_000);
});
