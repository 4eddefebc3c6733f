import { clientSecretOf } from '#platform/host/service-credentials.js';
import { decodeJwt } from 'jose';
import { hashPassword } from '#services/common/auth/passwords.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_PASSWORD, DEMO_ORGANIZATION, DEMO_USERS } from '#contracts/demo.js';
import { SERVICE_NAMES } from '#contracts/services.js';
import { dbOf, startTestSystem, type TestSystem } from '../../support/system.js';
import { waitFor } from '../../support/wait.js';
import { clientAt } from './from-address.js';

const userId = (email: string) => DEMO_USERS.find((u) => u.email === email)!.id;
const ADMIN = 'admin@demo.dhanman.local';

/**
 * The edge every service shares (docs/adr/0019-edge-security.md), over real sockets on one embedded
 * system with small limits: sign-in throttling, per-caller rate limits, sessions, CORS, headers.
 */
describe('edge security (embedded, every service)', () => {
  let system: TestSystem;
  const clients: Array<ReturnType<typeof clientAt>> = [];
  const client = (address: string) => {
    const c = clientAt(address);
    clients.push(c);
    return c.call;
  };
  const common = (path: string) => `${system.url('common')}${path}`;

  beforeAll(async () => {
    system = await startTestSystem({
      mode: 'embedded',
      env: {
        SIGN_IN_WINDOW_SECONDS: '60',
        SIGN_IN_SLOW_AFTER: '2',
        SIGN_IN_SLOW_DELAY_MS: '20',
        SIGN_IN_ACCOUNT_LOCK_AFTER: '3',
        SIGN_IN_ADDRESS_LOCK_AFTER: '8',
        SIGN_IN_LOCK_SECONDS: '6',
        RATE_LIMIT_READS: '15/60s',
        // Above what the lock tests poll with, below what the token test asks for.
        RATE_LIMIT_SIGN_IN: '300/60s',
      },
    });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await system?.stop();
  });

  it('locks an account after a burst of wrong passwords, alike for a missing account, and lets the right password in once the lock lapses', async () => {
    const call = client('127.0.0.11');
    const burst = async (email: string) => {
      const answers = [];
      for (let i = 0; i < 4; i++) {
        answers.push(await call(common('/api/auth/login'), { body: { email, password: 'wrong-password' } }));
      }
      return answers;
    };
    const existing = await burst(ADMIN);
    const missing = await burst('nobody@demo.dhanman.local');
    for (const answers of [existing, missing]) {
      expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 429]);
      const locked = answers[3]!;
      expect(locked.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(locked.body).toMatchObject({ type: 'urn:dhanman:problem:too-many-requests', status: 429 });
    }
    // Nothing in the answers tells the existing account from the missing one.
    const strip = ({ correlationId: _c, ...rest }: Record<string, unknown>) => rest;
    expect(existing.map((a) => strip(a.body))).toEqual(missing.map((a) => strip(a.body)));
    // While locked, even the right password is refused.
    expect(
      (await call(common('/api/auth/login'), { body: { email: ADMIN, password: DEFAULT_DEMO_PASSWORD } }))
        .status,
    ).toBe(429);
    // Six failures from this address lock two accounts, not the address: another account signs in.
    const manager = await call(common('/api/auth/login'), {
      body: { email: 'manager@demo.dhanman.local', password: DEFAULT_DEMO_PASSWORD },
    });
    expect(manager.status).toBe(200);
    const admin = await waitFor(
      'the admin lock to lapse',
      async () => {
        const res = await call(common('/api/auth/login'), {
          body: { email: ADMIN, password: DEFAULT_DEMO_PASSWORD },
        });
        return res.status === 200 ? res : undefined;
      },
      10_000,
      250,
    );
    expect(admin.body.accessToken).toEqual(expect.any(String));

    // Recorded (who, from where, when) and counted.
    const events = await dbOf(system, 'common').query<{ email: string; address: string; outcome: string }>(
      "SELECT email, address, outcome FROM sign_in_event WHERE address LIKE '%127.0.0.11' ORDER BY id",
    );
    expect(
      events.rows
        .filter((e) => e.email === ADMIN)
        .map((e) => e.outcome)
        .slice(0, 5),
    ).toEqual(['failed', 'failed', 'failed', 'locked', 'locked']);
    expect(events.rows.some((e) => e.email === 'nobody@demo.dhanman.local' && e.outcome === 'locked')).toBe(
      true,
    );
    const metrics = await (await fetch(common('/metrics'))).text();
    expect(metrics).toMatch(/^dhanman_sign_in_failures_total \d+/m);
    expect(metrics).toMatch(/^dhanman_sign_in_locked_total\{scope="account"\} \d+/m);
  });

  it('counts each attempt before its password is checked: of 12 parallel wrong passwords at most the lock threshold are checked, the rest 429', async () => {
    const call = client('127.0.0.16');
    // An account no other test signs in with (a missing one goes through the same checks).
    const email = 'parallel-guess@demo.dhanman.local';
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        call(common('/api/auth/login'), { body: { email, password: 'wrong-password' } }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(9);
    // The checked ones are the failures on record; every other attempt was refused unchecked.
    const events = await dbOf(system, 'common').query<{ outcome: string; n: string }>(
      "SELECT outcome, count(*) AS n FROM sign_in_event WHERE email = $1 AND address LIKE '%127.0.0.16' GROUP BY outcome",
      [email],
    );
    const count = (outcome: string) => Number(events.rows.find((r) => r.outcome === outcome)?.n ?? 0);
    expect(count('failed')).toBe(statuses.filter((s) => s === 401).length);
    expect(count('locked')).toBe(statuses.filter((s) => s === 429).length);
  });

  it('rehashes a password stored with weaker parameters at its next sign-in, with a salt of its own', async () => {
    const db = dbOf(system, 'common');
    const email = 'resident@demo.dhanman.local';
    const hashOf = async () =>
      (await db.query<{ h: string }>('SELECT password_hash AS h FROM app_user WHERE email = $1', [email]))
        .rows[0]!.h;
    // As the demo users were stored before: a cheaper cost (and then a salt shared by all of them).
    const old = await hashPassword(system.demoPassword, { logN: 10, r: 8, p: 1 });
    await db.query('UPDATE app_user SET password_hash = $2 WHERE email = $1', [email, old]);
    const res = await client('127.0.0.17')(common('/api/auth/login'), {
      body: { email, password: system.demoPassword },
    });
    expect(res.status).toBe(200);
    const now = await hashOf();
    expect(now).toMatch(/^\$scrypt\$ln=12,r=8,p=1\$/);
    expect(now.split('$')[3]).not.toBe(old.split('$')[3]);
    // Every demo user has a salt of their own.
    const salts = await db.query<{ salt: string }>(
      "SELECT split_part(password_hash, '$', 4) AS salt FROM app_user WHERE email LIKE '%@demo.dhanman.local'",
    );
    expect(new Set(salts.rows.map((r) => r.salt)).size).toBe(salts.rows.length);
    expect(
      (
        await client('127.0.0.17')(common('/api/auth/login'), {
          body: { email, password: system.demoPassword },
        })
      ).status,
    ).toBe(200);
  });

  it('locks a client address that fails across many accounts, for every account, from that address only', async () => {
    const guesser = client('127.0.0.12');
    for (let i = 0; i < 8; i++) {
      const res = await guesser(common('/api/auth/login'), {
        body: { email: `guess-${i}@demo.dhanman.local`, password: 'wrong-password' },
      });
      expect(res.status).toBe(401);
    }
    const cfo = { email: 'cfo@demo.dhanman.local', password: DEFAULT_DEMO_PASSWORD };
    const refused = await guesser(common('/api/auth/login'), { body: cfo });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await client('127.0.0.13')(common('/api/auth/login'), { body: cfo })).status).toBe(200);
  });

  it("lets services on one address ask for a token per organization beyond the address's sign-in budget", async () => {
    // A monthly run asks Common for Sales' token once per organization: 40 organizations from one
    // host spent the 30 sign-ins a minute of that address and waited a minute for the next token.
    const call = client('127.0.0.16');
    const statuses = new Map<number, number>();
    for (let i = 0; i < 301; i++) {
      const res = await call(common('/api/auth/token'), {
        body: {
          grantType: 'client_credentials',
          clientId: 'sales',
          clientSecret: clientSecretOf('sales', system.env),
          organizationId: DEMO_ORGANIZATION.id,
        },
      });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 200: 301 });
  });

  it('refuses a caller over the reads budget with 429 and RateLimit headers, while another user and a service go on', async () => {
    const call = client('127.0.0.14');
    const accountant = await system.login('accountant@demo.dhanman.local');
    const customers = common('/api/customers');
    const answers = [];
    for (let i = 0; i < 16; i++) answers.push(await call(customers, { token: accountant }));
    expect(answers.slice(0, 15).every((a) => a.status === 200)).toBe(true);
    expect(answers[0]!.headers.get('ratelimit-limit')).toBe('15');
    const over = answers[15]!;
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ type: 'urn:dhanman:problem:too-many-requests', rateClass: 'reads' });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(over.headers.get('ratelimit-remaining')).toBe('0');

    // Another user from the very same address has a budget of their own.
    const manager = await system.login('manager@demo.dhanman.local');
    expect((await call(customers, { token: manager })).status).toBe(200);
    // A service's calls are not counted against anyone (here 20 in a row, over the 15).
    const token = await call(common('/api/auth/token'), {
      body: {
        grantType: 'client_credentials',
        clientId: 'sales',
        clientSecret: clientSecretOf('sales', system.env),
        organizationId: DEMO_ORGANIZATION.id,
      },
    });
    const statuses = [];
    for (let i = 0; i < 20; i++)
      statuses.push((await call(customers, { token: token.body.accessToken })).status);
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect((await call(customers, { token: accountant })).status).toBe(429);
  });

  it('rotates refresh tokens once each; a reused one ends the session; sign-out and an admin end sessions too', async () => {
    const call = client('127.0.0.15');
    const signIn = async (email: string) => {
      const res = await call(common('/api/auth/login'), { body: { email, password: DEFAULT_DEMO_PASSWORD } });
      expect(res.status).toBe(200);
      return res.body as { accessToken: string; refreshToken: string };
    };
    const refresh = (refreshToken: string) => call(common('/api/auth/refresh'), { body: { refreshToken } });

    const first = await signIn('cfo@demo.dhanman.local');
    const second = await refresh(first.refreshToken);
    expect(second.status).toBe(200);
    expect(decodeJwt(second.body.accessToken).sub).toBe(userId('cfo@demo.dhanman.local'));
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    // The first token again: refused, and the family is revoked, so the newer one stops working too.
    const reused = await refresh(first.refreshToken);
    expect(reused.status).toBe(401);
    expect(reused.body.type).toBe('urn:dhanman:problem:unauthorized');
    expect((await refresh(second.body.refreshToken)).status).toBe(401);
    expect((await refresh('rt_not-a-token-at-all')).status).toBe(401);

    const session = await signIn('cfo@demo.dhanman.local');
    const out = await call(common('/api/auth/logout'), { body: { refreshToken: session.refreshToken } });
    expect(out.status).toBe(204);
    expect((await refresh(session.refreshToken)).status).toBe(401);

    const managerId = userId('manager@demo.dhanman.local');
    const a = await signIn('manager@demo.dhanman.local');
    const b = await signIn('manager@demo.dhanman.local');
    const revokePath = common(`/api/users/${managerId}/sessions/revoke`);
    expect((await call(revokePath, { method: 'POST', token: a.accessToken })).status).toBe(403);
    const admin = await signIn(ADMIN);
    const revoked = await call(revokePath, { method: 'POST', token: admin.accessToken });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedSessions).toBeGreaterThanOrEqual(2);
    expect((await refresh(a.refreshToken)).status).toBe(401);
    expect((await refresh(b.refreshToken)).status).toBe(401);
    expect((await refresh(admin.refreshToken)).status).toBe(200);
    const unknown = common('/api/users/00000000-0000-4000-8000-000000000000/sessions/revoke');
    expect((await call(unknown, { method: 'POST', token: admin.accessToken })).status).toBe(404);
  });

  it('answers CORS preflights from the configured origin only', async () => {
    const preflight = (origin: string) =>
      fetch(common('/api/customers'), {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, idempotency-key',
        },
      });
    const ok = await preflight('http://localhost:8080');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:8080');
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
    const evil = await preflight('http://evil.example');
    expect(evil.status).toBeGreaterThanOrEqual(400);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const read = await fetch(common('/health/live'), { headers: { origin: 'http://evil.example' } });
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('puts the security headers on every service’s answers, errors included', async () => {
    for (const name of SERVICE_NAMES) {
      const refused = name === 'common' ? ['/api/customers'] : []; // a 401 from the auth hook
      for (const path of ['/health/live', '/api/no-such-route', ...refused]) {
        const res = await fetch(`${system.url(name)}${path}`);
        const where = `${name} ${path}`;
        expect(res.headers.get('x-content-type-options'), where).toBe('nosniff');
        expect(res.headers.get('x-frame-options'), where).toBe('SAMEORIGIN');
        expect(res.headers.get('strict-transport-security'), where).toMatch(/max-age=\d+/);
        expect(res.headers.get('referrer-policy'), where).toBe('no-referrer');
        expect(res.headers.get('content-security-policy'), where).toMatch(/default-src 'self'/);
        expect(res.headers.get('content-security-policy'), where).toMatch(/frame-ancestors 'none'/);
      }
    }
  });

  it('serves a docs page whose scripts and styles all load under its Content-Security-Policy', async () => {
    const page = await fetch(common('/docs'));
    expect(page.status).toBe(200);
    const html = await page.text();
    const csp = parseCsp(page.headers.get('content-security-policy') ?? '');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    const assets: Array<{ url: URL; directive: string }> = [];
    for (const [, attrs, inline] of scripts) {
      const src = /\bsrc="([^"]+)"/.exec(attrs!)?.[1];
      // No inline script: script-src has no 'unsafe-inline', no nonce, no hash.
      expect(src, 'an inline <script> would be blocked').toBeDefined();
      expect(inline!.trim()).toBe('');
      assets.push({ url: new URL(src!, page.url), directive: 'script-src' });
    }
    for (const [, href] of html.matchAll(/<link rel="stylesheet"[^>]*href="([^"]+)"/g)) {
      assets.push({ url: new URL(href!, page.url), directive: 'style-src' });
    }
    expect(assets.filter((a) => a.directive === 'style-src').length).toBeGreaterThan(0);
    for (const { url, directive } of assets) {
      expect(allows(csp, directive, url, new URL(page.url)), `${directive} allows ${url.href}`).toBe(true);
      const res = await fetch(url);
      expect(res.status, url.href).toBe(200);
    }
    // The page reads the OpenAPI document with fetch: connect-src must allow its own origin.
    expect(allows(csp, 'connect-src', new URL(common('/docs/json')), new URL(page.url))).toBe(true);
    expect(csp.get('script-src')).not.toContain("'unsafe-inline'");
  });
});

function parseCsp(header: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of header.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) map.set(name.toLowerCase(), values);
  }
  return map;
}

/** Whether a CSP directive (or default-src) lets a page at `page` load `url`: 'self' and host sources. */
function allows(csp: Map<string, string[]>, directive: string, url: URL, page: URL): boolean {
  const sources = csp.get(directive) ?? csp.get('default-src') ?? [];
  return sources.some((s) => {
    if (s === "'self'") return url.origin === page.origin;
    if (s.includes('://'))
      return new RegExp(`^${s.replace(/[.]/g, '\\.').replace(/\*/g, '[^/]*')}$`).test(url.origin);
    return false;
  });
}
