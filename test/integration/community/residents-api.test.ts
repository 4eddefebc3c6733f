import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_RESIDENTS } from '#contracts/demo.js';
import { startTestSystem, type TestSystem } from '../../support/system.js';
import { apiOf } from '../../support/api.js';
import { signUpOrganization } from '../../support/sign-up.js';

/** Community's residents over HTTP: reading one, paging the active ones, who may, and whose. */
describe('Community residents over HTTP (embedded)', () => {
  let system: TestSystem;
  let api: ReturnType<typeof apiOf>;
  let admin: string;
  const movedOut = DEMO_RESIDENTS[4];

  beforeAll(async () => {
    system = await startTestSystem({ mode: 'embedded', only: ['common', 'community', 'notification'] });
    api = apiOf(system);
    admin = await system.login('admin@demo.dhanman.local');
    const community = system.services.find((s) => s.name === 'community')!.db!;
    await community.query(`UPDATE resident SET status = 'moved-out' WHERE id = $1`, [movedOut.residentId]);
  });
  afterAll(async () => system?.stop());

  it('shows a resident with their unit and monthly charges', async () => {
    const r = DEMO_RESIDENTS[0];
    const res = await api('community', 'GET', `/api/residents/${r.residentId}`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: r.residentId,
      customerId: r.customerId,
      name: r.name,
      email: r.email,
      status: 'active',
      monthlyCharges: r.monthlyCharges,
    });
  });

  it('pages through the active residents by id, each once, leaving out who moved out', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=10&cursor=${cursor}` : '?limit=10';
      const res = await api('community', 'GET', `/api/residents/active${query}`, { token: admin });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(10);
      seen.push(...res.body.items.map((i: { id: string }) => i.id));
      cursor = res.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 100);
    const active = DEMO_RESIDENTS.filter((r) => r !== movedOut).map((r) => r.residentId);
    expect(seen).toEqual([...active].sort());
    expect(pages).toBe(Math.ceil(active.length / 10));
    const bad = await api('community', 'GET', '/api/residents/active?cursor=not!a!cursor', { token: admin });
    expect(bad.status).toBe(400);
  });

  it('answers 401 without a token and 403 to a role without residents:read', async () => {
    const r = DEMO_RESIDENTS[0];
    const anonymous = await api('community', 'GET', `/api/residents/${r.residentId}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    const resident = await system.login('resident@demo.dhanman.local');
    const denied = await api('community', 'GET', '/api/residents/active', { token: resident });
    expect(denied.status).toBe(403);
  });

  it("hides another organization's residents (404), and lists none of them", async () => {
    const email = `other-admin-${randomUUID().slice(0, 6)}@example.org`;
    await signUpOrganization(system, {
      name: 'Other Society',
      companyName: 'Other Society',
      admin: { email, name: 'Other Admin', password: 'other-secret-1' },
    });
    const other = await system.login(email, 'other-secret-1');
    const res = await api('community', 'GET', `/api/residents/${DEMO_RESIDENTS[0].residentId}`, {
      token: other,
    });
    expect(res.status).toBe(404);
    const list = await api('community', 'GET', '/api/residents/active', { token: other });
    expect(list.body).toEqual({ items: [], nextCursor: null });
  });
});
