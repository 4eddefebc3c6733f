import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { randomUUID } from 'node:crypto';
import { DEMO_RESIDENTS } from '#contracts/demo.js';
import { launchBrowser, screenshot, seriousViolations } from '../support/browser.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';
import { openFirstPage, refreshUntil, signIn as signInAt, timelineServices } from './console-kit.js';

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

const signIn = (page: Page, email: string) => signInAt(page, system.consoleUrl!, email);

const KB = 1000;

describe('the web console', () => {
  it('ships under 300 kB of script (gzipped), shows a failed sign-in as people read it, and passes an accessibility check', async () => {
    // Three first visits, each in a new context (nothing cached). The time to interactive is printed,
    // not asserted: the suite shares two cores with other test files (a speed target is a bench's).
    const visits = [];
    for (let i = 0; i < 3; i++) {
      const page = await session();
      visits.push({ page, ...(await openFirstPage(page, system.consoleUrl!)) });
    }
    const first = visits.reduce((a, b) => (b.interactiveMs < a.interactiveMs ? b : a));
    console.info(
      `first page: interactive after ${visits.map((v) => Math.round(v.interactiveMs)).join(', ')} ms; script ` +
        `${(first.scriptOnTheWire / KB).toFixed(1)} kB on the wire (${(first.scriptDecoded / KB).toFixed(1)} kB ` +
        `decoded), ${(first.scriptBuiltGzipped / KB).toFixed(1)} kB gzipped in the build`,
    );
    expect(first.scripts).toBeGreaterThan(0);
    // Served gzipped (the build's own gzip copies), and under the budget however it is counted.
    expect(first.scriptOnTheWire).toBeLessThan(first.scriptDecoded);
    expect(first.scriptOnTheWire).toBeLessThan(300 * KB);
    expect(first.scriptBuiltGzipped).toBeLessThan(300 * KB);

    const { page } = first;
    expect(await seriousViolations(page)).toEqual([]);
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

    // The accountant lands on the dashboard (test/browser/daily.test.ts); invoices are one click away.
    await page.getByRole('link', { name: 'Invoices', exact: true }).click();
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
    await refreshUntil(page, 'Sales, Common and Notification in the timeline', async () => {
      const seen = await timelineServices(page);
      return ['sales', 'common', 'notification'].every((s) => seen.includes(s));
    });
    const firstSeen = await timelineServices(page);
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

  it('the accountant posts the month’s salaries, sees them booked in the ledger’s journals, and opens their timeline', async () => {
    const page = await session();
    await signIn(page, 'accountant@demo.dhanman.local');
    await page.getByRole('link', { name: 'Salaries' }).click();
    await page.getByRole('button', { name: 'Compute payslips' }).click();
    const run = page.getByRole('region', { name: /^Salary run / }).first();
    await run.getByRole('button', { name: 'Post' }).click();
    await refreshUntil(
      page,
      'the salary run booked by Common',
      () => run.getByText('booked', { exact: true }).isVisible(),
      /^Salary run /,
    );
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'salary-runs');
    await run.getByRole('link', { name: /^Timeline of salary run/ }).click();
    await refreshUntil(page, 'Payroll and Common in the salary run’s timeline', async () => {
      const seen = await timelineServices(page);
      return ['payroll', 'common'].every((s) => seen.includes(s));
    });

    // The ledger's journals, newest first: the salaries' with its lines (expense, deductions, net pay).
    await page.getByRole('link', { name: 'Ledger' }).click();
    const salaries = page
      .getByRole('table', { name: 'Journals' })
      .getByRole('row')
      .filter({ hasText: /Salaries for \d{4}-\d{2}/ });
    await salaries.waitFor();
    expect(await salaries.locator('td[data-label="Source"]').textContent()).toBe('salary-run');
    expect(await salaries.getByRole('listitem').count()).toBeGreaterThanOrEqual(2);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'ledger');
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
    await page.getByRole('link', { name: 'Invoices', exact: true }).click();
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
    // Timelines are for those who read operations (ops:read): a resident sees none.
    expect(await page.getByRole('link', { name: /^Timeline of/ }).count()).toBe(0);
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

    // The vendor's bill for the order, booked by Common.
    await accountant.getByRole('button', { name: /^Record the bill of/ }).click();
    const recorded = (await accountant.getByRole('status').filter({ hasText: 'recorded' }).textContent())!;
    const billNumber = /BILL-\d{6}-\d{4}/.exec(recorded)![0];
    await accountant.getByRole('link', { name: 'See the bills' }).click();
    const bill = accountant
      .getByRole('table', { name: 'Bills' })
      .getByRole('row')
      .filter({ hasText: billNumber });
    await refreshUntil(accountant, 'the bill booked by Common', () =>
      bill.getByText('posted', { exact: true }).isVisible(),
    );
    expect(await seriousViolations(accountant)).toEqual([]);
    await screenshot(accountant, 'bills');

    // The order's timeline: each step (approvals, bill) was sent with the order's correlation id.
    await bill.getByRole('link', { name: 'the order' }).click();
    await accountant.getByRole('link', { name: 'Timeline of this purchase order' }).click();
    await refreshUntil(accountant, 'Purchase, Common and Notification in the order’s timeline', async () => {
      const seen = await timelineServices(accountant);
      return ['purchase', 'common', 'notification'].every((s) => seen.includes(s));
    });
    const actions = await accountant.getByRole('list', { name: 'Timeline' }).textContent();
    for (const step of ['purchase-order.submitted', 'purchase-order.approved', 'bill.created']) {
      expect(actions).toContain(step);
    }
    expect(await seriousViolations(accountant)).toEqual([]);
    await screenshot(accountant, 'timeline-purchase-order');
  });

  it('an operator stops mail delivery, sees the dead letters grouped, restores it, replays the group, and the mail arrives', async () => {
    // The switch stops every organization's mail: the deployment's operator holds it.
    const page = await session();
    await signIn(page, 'operator@demo.dhanman.local');
    await page.getByRole('link', { name: 'Operations' }).click();
    await page.getByRole('button', { name: 'Stop mail delivery' }).click();
    await page.getByRole('button', { name: 'Restore mail delivery' }).waitFor();

    // An invoice whose mail cannot go: Notification retries it through the ladder, then gives up.
    const admin = await session();
    await signIn(admin, 'admin@demo.dhanman.local');
    await admin.getByRole('link', { name: 'Invoices' }).click();
    await admin.getByLabel('Amount').fill('4321.00');
    await admin.getByRole('button', { name: 'Create invoice' }).click();
    const row = admin.getByRole('row').filter({ hasText: '4,321.00' }).first();
    await row.waitFor();
    const number = (await row.getByRole('link').textContent())!;

    await page.getByRole('link', { name: 'Operations' }).click();
    // The picker's name is its label and the chosen service: "Service sales".
    await page.getByRole('combobox', { name: /^Service/ }).selectOption('notification');
    const group = page.getByRole('group', { name: /handler-failed · sales\.invoice-created/ });
    await refreshUntil(page, 'the dead-letter group', () => group.isVisible(), 'Dead letters: notification');
    expect(await group.textContent()).toContain('mail delivery is down');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dead-letters');

    await page.getByRole('button', { name: 'Restore mail delivery' }).click();
    await page.getByRole('button', { name: 'Stop mail delivery' }).waitFor();
    await group.getByRole('button', { name: 'Replay group' }).click();
    await group.waitFor({ state: 'detached' });

    await admin.getByRole('link', { name: 'Mailbox' }).click();
    const mail = admin.getByRole('row').filter({ hasText: number }).first();
    await refreshUntil(admin, 'the replayed invoice mail in the mailbox', () => mail.isVisible());
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
    // The run's id threads its invoices, their postings and their mails.
    await run.getByRole('link', { name: /^Timeline of run/ }).click();
    await refreshUntil(page, 'Sales and Common in the run’s timeline', async () => {
      const seen = await timelineServices(page);
      return ['sales', 'common'].every((s) => seen.includes(s));
    });
  });

  it('works at phone width, and the operator sees every service healthy', async () => {
    const page = await session(390);
    await signIn(page, 'admin@demo.dhanman.local');
    await page.getByRole('link', { name: 'Invoices', exact: true }).click();
    await page
      .getByRole('table', { name: 'Invoices' })
      .or(page.getByText('No invoices yet.'))
      .first()
      .waitFor();
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
