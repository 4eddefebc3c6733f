import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { randomBytes, randomUUID } from 'node:crypto';
import { launchBrowser, screenshot, seriousViolations } from '../support/browser.js';
import { mailboxReader, type NewOrganization } from '../support/sign-up.js';
import { dbOf, startTestSystem, type TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

/** The mailed sign-up link opened in the console: the society is set up, and its admin signs in. */

let system: TestSystem;
let browser: Browser;

beforeAll(async () => {
  [system, browser] = await Promise.all([
    startTestSystem({ mode: 'embedded', seed: false, console: true }),
    launchBrowser(),
  ]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

async function page(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  return context.newPage();
}

/** The link's path and query on the test's console (the mail names the default console's host). */
const onConsole = (link: string) => {
  const url = new URL(link);
  return new URL(url.pathname + url.search, system.consoleUrl!).toString();
};

const organizations = async () =>
  Number(
    (await dbOf(system, 'common').query<{ n: string }>('SELECT count(*) AS n FROM organization')).rows[0]!.n,
  );

describe('the sign-up link in the console', () => {
  it('sets the society up once, and its admin signs in and lands on the dashboard', async () => {
    const password = `Pw-${randomUUID()}`;
    const org: NewOrganization = {
      name: 'Lakeview Society',
      companyName: 'Lakeview Maintenance',
      admin: { email: `admin-${randomUUID().slice(0, 8)}@signup.example`, name: 'Asha Rao', password },
    };
    // Through the console's own proxy, as the public sign-up form would send it.
    const requested = await fetch(`${system.consoleUrl}/svc/common/api/organizations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(org),
    });
    expect(requested.status).toBe(202);
    const mail = await waitFor(
      'the sign-up link in the mailbox',
      () => mailboxReader(system)(org.admin.email, 'sign-up-link'),
      30_000,
      50,
    );
    const link = /https?:\/\/\S+\/sign-up\/verify\?token=[\w-]+/.exec(mail)?.[0];
    expect(link).toBeDefined();
    const before = await organizations();

    const p = await page();
    // StrictMode runs the page's effect twice: the token is posted once all the same.
    const verifyCalls: string[] = [];
    p.on('request', (r) => {
      if (r.url().endsWith('/svc/common/api/organizations/verify')) verifyCalls.push(r.method());
    });
    await p.goto(onConsole(link!));
    const ready = p.getByRole('heading', { level: 1, name: 'Your society is ready — sign in' });
    await ready.waitFor();
    expect(new URL(p.url()).hash).toMatch(/^#\/verify\/[\w-]+$/);
    expect(await p.title()).toBe('Your society is ready — sign in · Dhanman');
    expect(await organizations()).toBe(before + 1);
    expect(verifyCalls).toEqual(['POST']);
    expect(await seriousViolations(p)).toEqual([]);
    await screenshot(p, 'sign-up-verified');

    await p.getByLabel('Email').fill(org.admin.email);
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('navigation', { name: 'Main' }).waitFor();
    await p.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    expect(new URL(p.url()).hash).toBe('#/dashboard');
    expect(await organizations()).toBe(before + 1);
  });

  it('says a forged or malformed link does not work, and creates nothing', async () => {
    const before = await organizations();
    const p = await page();
    await p.goto(`${system.consoleUrl}/sign-up/verify?token=${randomBytes(32).toString('base64url')}`);
    await p.getByRole('heading', { level: 1, name: 'This sign-up link does not work' }).waitFor();
    expect(await p.getByRole('alert').textContent()).toMatch(/not valid.*used already.*expired/);
    expect(await p.title()).toBe('This sign-up link does not work · Dhanman');
    expect(await seriousViolations(p)).toEqual([]);
    await screenshot(p, 'sign-up-link-invalid');

    // A token of the wrong shape, or none, never reaches Common: the page says the same.
    for (const query of ['?token=%3Cscript%3E', `?token=${'a'.repeat(5000)}`, '?token=a&token=b', '']) {
      const res = await fetch(`${system.consoleUrl}/sign-up/verify${query}`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/#/verify/');
    }
    await p.goto(`${system.consoleUrl}/sign-up/verify?token=x`);
    expect(new URL(p.url()).hash).toBe('#/verify/');
    await p.getByRole('heading', { level: 1, name: 'This sign-up link does not work' }).waitFor();
    expect(await organizations()).toBe(before);
  });
});
