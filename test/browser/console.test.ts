import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { randomUUID } from 'node:crypto';
import { DEFAULT_DEMO_PASSWORD, DEMO_RESIDENTS } from '#contracts/demo.js';
import { launchBrowser, screenshot, seriousViolations } from '../support/browser.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

let system: TestSystem;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [system, browser] = await Promise.all([
    startTestSystem({ mode: 'embedded', seed: true, console: true }),
    launchBrowser(),
  ]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

/** A fresh browser session (its own storage) at laptop or phone width. */
async function session(width = 1280): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 800 } });
  contexts.push(context);
  return context.newPage();
}

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto(system.consoleUrl!);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEFAULT_DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** Clicks the page's Refresh until `text` shows (the flow behind it is asynchronous). */
async function refreshUntil(page: Page, what: string, shown: () => Promise<boolean>): Promise<void> {
  await waitFor(
    what,
    async () => {
      if (await shown()) return true;
      await page.getByRole('button', { name: 'Refresh' }).first().click();
      return false;
    },
    20_000,
    250,
  );
}

describe('the web console', () => {
  it('shows a problem as people read it when sign-in fails, and passes an accessibility check', async () => {
    const page = await session();
    await page.goto(system.consoleUrl!);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('Email').fill('accountant@demo.dhanman.local');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/invalid|credentials|unauthori[sz]ed/i);
    await screenshot(page, 'sign-in-failed');
  });

  it('the accountant creates an invoice, sees it posted, its mail in the mailbox and its timeline across services', async () => {
    const page = await session();
    await signIn(page, 'accountant@demo.dhanman.local');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Amount').fill('1234.50');
    await page.getByRole('button', { name: 'Create invoice' }).click();
    const row = page.getByRole('row').filter({ hasText: '1,234.50' }).first();
    await row.waitFor();
    const number = (await row.getByRole('link').textContent())!;
    expect(number).toMatch(/^INV-\d{6}-\d{4}$/);
    await screenshot(page, 'invoices');

    await row.getByRole('link').click();
    await page.getByRole('heading', { name: `Invoice ${number}` }).waitFor();
    await refreshUntil(page, 'the invoice to show posted', () =>
      page.getByText('posted', { exact: true }).isVisible(),
    );
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'invoice');

    await page.getByRole('link', { name: 'Timeline of this invoice' }).click();
    const timeline = page.getByRole('list', { name: 'Timeline' });
    const services = async () =>
      (await timeline.locator('li strong').allTextContents()).filter((s, i, all) => all.indexOf(s) === i);
    await refreshUntil(page, 'Sales, Common and Notification in the timeline', async () => {
      const seen = await services();
      return ['sales', 'common', 'notification'].every((s) => seen.includes(s));
    });
    const firstSeen = await services();
    expect(firstSeen.indexOf('sales')).toBeLessThan(firstSeen.indexOf('common'));
    expect(firstSeen.indexOf('common')).toBeLessThan(firstSeen.indexOf('notification'));
    await screenshot(page, 'timeline');

    await page.getByRole('link', { name: 'Mailbox' }).click();
    const mail = page.getByRole('row').filter({ hasText: number }).first();
    await refreshUntil(page, 'the invoice mail in the mailbox', () => mail.isVisible());
    await mail.getByRole('link').click();
    const frame = page.frameLocator('iframe.mail');
    await frame.getByText(number).first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'mailbox');
  });

  it('a resident sees only their own invoices, pays one and sees it paid with the saga steps', async () => {
    const token = await system.login('accountant@demo.dhanman.local');
    const invoiceFor = async (customerId: string, amount: string) => {
      const res = await fetch(`${system.url('sales')}/api/invoices`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify({ customerId, amount, dueDate: '2030-01-15' }),
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { number: string }).number;
    };
    const mine = await invoiceFor(DEMO_RESIDENTS[0]!.customerId, '777.00');
    const theirs = await invoiceFor(DEMO_RESIDENTS[1]!.customerId, '888.00');

    const page = await session();
    await signIn(page, 'resident@demo.dhanman.local');
    const rows = page.getByRole('table', { name: 'Invoices' });
    await rows.getByRole('link', { name: mine }).waitFor();
    expect(await rows.getByRole('link', { name: theirs }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Operations' }).count()).toBe(0);

    await rows.getByRole('link', { name: mine }).click();
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.getByText(/Payment (succeeded|pending)/).waitFor();
    await refreshUntil(page, 'the invoice to show paid', () =>
      page.getByText('paid', { exact: true }).isVisible(),
    );
    await page.getByRole('link', { name: 'See the payment and its steps' }).click();
    const steps = page.getByRole('table', { name: 'Saga steps' });
    await steps.waitFor();
    await steps.getByRole('row').filter({ hasText: 'charge' }).getByText('done', { exact: true }).waitFor();
    expect(await steps.getByText('failed', { exact: true }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'payment');
  });

  it('a purchase order above 50,000 is submitted, approved by the manager then the CFO, and shows its reservation', async () => {
    const accountant = await session();
    await signIn(accountant, 'accountant@demo.dhanman.local');
    await accountant.getByRole('link', { name: 'Purchase orders' }).click();
    await accountant.getByLabel('Item').fill('Water pump');
    await accountant.getByLabel('Quantity').fill('3');
    await accountant.getByLabel('Unit price').fill('25000.00');
    await accountant.getByRole('button', { name: 'Create purchase order' }).click();
    const row = accountant.getByRole('row').filter({ hasText: '75,000.00' }).first();
    await row.waitFor();
    await row.getByRole('link').click();
    await accountant.getByRole('button', { name: 'Submit for approval' }).click();
    await accountant.getByText('submitted', { exact: true }).waitFor();
    const url = accountant.url();

    for (const approver of ['manager', 'cfo']) {
      const page = await session();
      await signIn(page, `${approver}@demo.dhanman.local`);
      await page.goto(url);
      await page.getByLabel('Comments').fill(`ok from the ${approver}`);
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.getByRole('table', { name: 'Approvals' }).getByText(`ok from the ${approver}`).waitFor();
    }
    await accountant.reload();
    await accountant.getByText('approved', { exact: true }).waitFor();
    await refreshUntil(accountant, 'the budget reservation', () =>
      accountant.getByText('reserved', { exact: true }).isVisible(),
    );
    expect(await accountant.getByRole('table', { name: 'Approvals' }).getByRole('row').count()).toBe(3);
    expect(await seriousViolations(accountant)).toEqual([]);
    await screenshot(accountant, 'purchase-order');
  });

  it('the operator triggers the monthly run from the jobs page and watches it complete', async () => {
    const page = await session();
    await signIn(page, 'admin@demo.dhanman.local');
    await page.getByRole('link', { name: 'Operations' }).click();
    const recurring = page.getByRole('table', { name: 'Recurring jobs sales' });
    const monthly = recurring.getByRole('row').filter({ hasText: 'monthly-invoice-run' }).first();
    await monthly.waitFor();
    expect(await monthly.textContent()).toContain('Asia/Kolkata');
    await monthly.getByRole('button', { name: 'Trigger now' }).click();
    await screenshot(page, 'operations');

    await page.getByRole('link', { name: 'Monthly runs' }).click();
    const runs = page.getByRole('table', { name: 'Monthly runs' });
    await refreshUntil(page, 'the triggered run to complete', () =>
      runs.getByText('completed', { exact: true }).first().isVisible(),
    );
    const run = runs.getByRole('row').filter({ hasText: 'completed' }).first();
    const created = Number(await run.locator('td[data-label="Created"]').textContent());
    const skipped = Number(await run.locator('td[data-label="Skipped"]').textContent());
    const residents = Number(await run.locator('td[data-label="Residents"]').textContent());
    expect(residents).toBeGreaterThan(0);
    expect(created + skipped + Number(await run.locator('td[data-label="Failed"]').textContent())).toBe(
      residents,
    );
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'monthly-runs');
  });

  it('works at phone width, and the operator sees every service healthy', async () => {
    const page = await session(390);
    await signIn(page, 'admin@demo.dhanman.local');
    await screenshot(page, 'invoices-phone');
    await page.getByRole('link', { name: 'Operations' }).click();
    const health = page.getByRole('table', { name: 'Service health' });
    await health.waitFor();
    await waitFor(
      'every service ready',
      async () => (await health.getByText('ready', { exact: true }).count()) === 6,
    );
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'operations-phone');
  });
});
