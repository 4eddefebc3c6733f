import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsole, type RunningConsole } from '../../../web/server/console-server.js';
import { dbOf, startTestSystem, type TestSystem } from '../../support/system.js';
import { clientAt } from './from-address.js';

/**
 * The console is a trusted hop: Common takes the client address from its X-Forwarded-For (only
 * from the proxy it trusts, here 127.0.0.1, where the console connects from), so sign-in
 * throttling counts people, not the console. Every client is its own loopback address, over real
 * sockets.
 */
describe('client addresses through the console’s proxy', () => {
  let system: TestSystem;
  let consoleServer: RunningConsole;
  const clients: Array<ReturnType<typeof clientAt>> = [];
  const client = (address: string) => {
    const c = clientAt(address);
    clients.push(c);
    return c.call;
  };
  const wrong = (i: number) => ({ email: `someone-${i}@proxy.example`, password: 'wrong-password' });

  beforeAll(async () => {
    system = await startTestSystem({
      mode: 'embedded',
      only: ['common'],
      seed: true,
      env: { TRUSTED_PROXIES: '127.0.0.1', SIGN_IN_ADDRESS_LOCK_AFTER: '3', SIGN_IN_LOCK_SECONDS: '600' },
    });
    consoleServer = await startConsole({
      host: '127.0.0.1',
      port: 0,
      services: { common: system.url('common') },
    });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await consoleServer?.stop();
    await system?.stop();
  });

  it('throttles two clients behind the console apart, and ignores what a client claims in the header', async () => {
    const login = `${consoleServer.url}/svc/common/api/auth/login`;
    const guesser = client('127.0.0.31');
    // The guesser also claims to be someone else: the console drops what a client writes there.
    const lie = { 'x-forwarded-for': '127.0.0.32' };
    for (let i = 0; i < 3; i++) {
      expect((await guesser(login, { body: wrong(i), headers: lie })).status).toBe(401);
    }
    expect((await guesser(login, { body: wrong(3), headers: lie })).status).toBe(429);
    // Another person behind the same console is not locked out with them.
    const other = client('127.0.0.32');
    expect((await other(login, { body: wrong(4) })).status).toBe(401);
    expect(
      (await other(login, { body: { email: 'admin@demo.dhanman.local', password: system.demoPassword } }))
        .status,
    ).toBe(200);

    const events = await dbOf(system, 'common').query<{ address: string; n: string }>(
      "SELECT address, count(*) AS n FROM sign_in_event WHERE email LIKE '%@proxy.example' GROUP BY address ORDER BY address",
    );
    expect(events.rows).toEqual([
      { address: '127.0.0.31', n: '4' },
      { address: '127.0.0.32', n: '1' },
    ]);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    // Straight to Common from 127.0.0.33 (not trusted), claiming the locked guesser's address.
    const direct = client('127.0.0.33');
    const res = await direct(`${system.url('common')}/api/auth/login`, {
      body: wrong(5),
      headers: { 'x-forwarded-for': '127.0.0.31' },
    });
    expect(res.status).toBe(401);
    const last = await dbOf(system, 'common').query<{ address: string }>(
      'SELECT address FROM sign_in_event ORDER BY id DESC LIMIT 1',
    );
    expect(last.rows[0]!.address).toBe('127.0.0.33');
  });

  it('answers a malformed or oversized forwarded header from a trusted peer with a 4xx, never a 500', async () => {
    const trusted = client('127.0.0.1');
    const live = `${system.url('common')}/api/auth/login`;
    const malformed = await trusted(live, {
      body: wrong(6),
      headers: { 'x-forwarded-for': 'not-an-address' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const huge = await trusted(live, {
      body: wrong(7),
      headers: { 'x-forwarded-for': Array.from({ length: 4000 }, () => '10.0.0.1').join(', ') },
    });
    expect(huge.status).toBeGreaterThanOrEqual(400);
    expect(huge.status).toBeLessThan(500);
    // Nothing was counted for either.
    const counted = await dbOf(system, 'common').query<{ n: string }>(
      "SELECT count(*) AS n FROM sign_in_event WHERE email IN ('someone-6@proxy.example', 'someone-7@proxy.example')",
    );
    expect(counted.rows[0]!.n).toBe('0');
  });
});
