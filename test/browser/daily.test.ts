import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DEMO_RESIDENTS } from '#contracts/demo.js';
import { zonedDate } from '#platform/jobs/next-run.js';
import { launchBrowser, screenshot, seriousViolations } from '../support/browser.js';
import { pdfText } from '../support/pdf-text.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';
import { downloaded, pixelsOf, refreshUntil, signIn as signInAt } from './console-kit.js';

/**
 * The pages people open every day: the accountant's dashboard (charts, aging, statement, CSV),
 * a resident's dues (pay, receipt), a timeline in sentences, where each person lands. Access
 * tokens live 2 seconds here, so every test also runs through many refreshes: the last test
 * shows the session survives pages whose calls all meet an expired token at once.
 */
let system: TestSystem;
let browser: Browser;

beforeAll(async () => {
  [system, browser] = await Promise.all([
    startTestSystem({ mode: 'embedded', seed: true, console: true, env: { ACCESS_TOKEN_TTL_SECONDS: '2' } }),
    launchBrowser(),
  ]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

async function session(width = 1280): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 800 }, acceptDownloads: true });
  return context.newPage();
}
const signIn = (page: Page, email: string) => signInAt(page, system.consoleUrl!, email);

/**
 * A call as the accountant, with a token fresh for it (they live 2 seconds here). A write answered
 * 503 (Common slow to answer Sales on a loaded machine) is sent again with the same key.
 */
async function asAccountant<T>(path: string, body?: unknown): Promise<T> {
  const key = randomUUID();
  for (let attempt = 1; ; attempt++) {
    const token = await system.login('accountant@demo.dhanman.local');
    const res = await fetch(`${system.url('sales')}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json', 'idempotency-key': key }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (res.status === 503 && attempt < 5) continue;
    expect(res.status, path).toBeLessThan(300);
    return (await res.json()) as T;
  }
}

const today = zonedDate(new Date(), 'Asia/Kolkata');
const daysFrom = (days: number) =>
  new Date(Date.parse(`${today}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const monthIndex = (date: string) => Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7));

interface Made {
  id: string;
  number: string;
  amount: string;
  issueDate: string;
}
const invoice = async (
  customer: number,
  amount: string,
  issuedDaysAgo: number,
  dueInDays: number,
): Promise<Made> => {
  const issueDate = daysFrom(-issuedDaysAgo);
  const made = await asAccountant<{ id: string; number: string }>('/api/invoices', {
    customerId: DEMO_RESIDENTS[customer]!.customerId,
    amount,
    issueDate,
    dueDate: daysFrom(dueInDays),
  });
  return { ...made, amount, issueDate };
};

describe('the pages people open every day', () => {
  let overdue: Made;
  let overdueLater: Made;
  let current: Made;
  let paid: Made;

  beforeAll(async () => {
    // 45 days overdue (31-60), 100 days overdue (over 90), not yet due (current), and one paid.
    overdue = await invoice(2, '1000.50', 55, -45);
    overdueLater = await invoice(4, '150.75', 110, -100);
    current = await invoice(2, '300.00', 0, 15);
    paid = await invoice(3, '2000.25', 25, -20);
    const payment = await asAccountant<{ status: string }>(`/api/invoices/${paid.id}/payments`, {
      paymentMethodId: 'pm_card_visa',
    });
    expect(['succeeded', 'pending']).toContain(payment.status);
    await waitFor(
      'the seeded payment to succeed',
      async () => (await asAccountant<{ status: string }>(`/api/invoices/${paid.id}`)).status === 'paid',
      20_000,
      200,
    );
  }, 60_000);

  it("the accountant lands on the dashboard: both charts with the seeded figures, the largest overdue, a CSV, a statement's PDF", async () => {
    const page = await session();
    await signIn(page, 'accountant@demo.dhanman.local');
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    expect(await page.title()).toBe('Dashboard · Dhanman');

    // Billed vs collected: twelve months, this month last; each seeded invoice in its month.
    const months = page
      .getByRole('table', { name: 'Billed vs collected by month: figures' })
      .locator('tbody tr');
    await months.first().waitFor();
    expect(await months.count()).toBe(12);
    const row = (date: string) => months.nth(11 - (monthIndex(today) - monthIndex(date)));
    const billedIn = new Map<string, string[]>();
    for (const inv of [overdue, overdueLater, current, paid]) {
      const key = inv.issueDate.slice(0, 7);
      billedIn.set(key, [...(billedIn.get(key) ?? []), inv.amount]);
    }
    for (const [month, amounts] of billedIn) {
      const cents = amounts.reduce((n, a) => n + BigInt(a.replace('.', '')), 0n).toString();
      const rupees = Number(cents.slice(0, -2)).toLocaleString('en-IN');
      expect(await row(`${month}-01`).locator('td').first().textContent(), month).toBe(
        `₹ ${rupees}.${cents.slice(-2)}`,
      );
    }
    expect(await row(today).locator('td').nth(1).textContent()).toBe('₹ 2,000.25');

    // Aging: current 300.00, 31-60 days 1,000.50, over 90 days 150.75.
    const aging = page.getByRole('table', { name: 'Receivables by days past due: figures' });
    const bucket = async (name: string) =>
      aging
        .getByRole('row', { name: new RegExp(`^${name}`) })
        .locator('td')
        .textContent();
    expect(await bucket('Current')).toBe('₹ 300.00');
    expect(await bucket('1–30')).toBe('₹ 0.00');
    expect(await bucket('31–60')).toBe('₹ 1,000.50');
    expect(await bucket('61–90')).toBe('₹ 0.00');
    expect(await bucket('Over 90')).toBe('₹ 150.75');

    // Both charts are drawn, with their bars in their colours.
    const canvases = page.locator('.chart-canvas[data-drawn="true"] canvas');
    await waitFor('both charts drawn', async () => (await canvases.count()) === 2);
    expect(await pixelsOf(canvases.nth(0), [59, 110, 168])).toBeGreaterThan(50); // billed
    expect(await pixelsOf(canvases.nth(0), [47, 158, 110])).toBeGreaterThan(50); // collected
    expect(await pixelsOf(canvases.nth(1), [196, 87, 46])).toBeGreaterThan(50); // owed

    const largest = page.getByRole('table', { name: 'Largest overdue customers' }).locator('tbody tr');
    expect(await largest.first().getByRole('link').textContent()).toBe(DEMO_RESIDENTS[2]!.name);
    expect(await largest.nth(1).getByRole('link').textContent()).toBe(DEMO_RESIDENTS[4]!.name);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dashboard');

    const csv = await downloaded(page, () =>
      page
        .getByRole('region', { name: 'Receivables aging' })
        .getByRole('button', { name: 'Download CSV' })
        .click(),
    );
    const lines = csv.toString('utf8').trim().split('\r\n');
    expect(lines[0]).toBe('customer,customerId,balanceDue,current,days1to30,days31to60,days61to90,over90');
    expect(lines).toContain(
      `${DEMO_RESIDENTS[2]!.name},${DEMO_RESIDENTS[2]!.customerId},1300.50,300.00,0.00,1000.50,0.00,0.00`,
    );

    // The statement of the most overdue customer, and its PDF.
    await largest.first().getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: 'Statement of account' }).waitFor();
    const statement = page.getByRole('table', { name: 'Statement lines' });
    await statement.getByText(`Invoice ${overdue.number}`).waitFor();
    await statement.getByText(`Invoice ${current.number}`).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    const pdf = await downloaded(page, () =>
      page.getByRole('button', { name: 'Download statement (PDF)' }).click(),
    );
    const text = await pdfText(new Uint8Array(pdf));
    expect(text).toContain(DEMO_RESIDENTS[2]!.name);
    expect(text).toContain(overdue.number);
    expect(text).toContain(current.number);
    expect(text).toContain('Closing balance');
    expect(text).toContain('Amount due: INR 1,300.50');

    // Navigating moves focus to the new page's h1 (a screen reader announces it).
    await page.getByRole('link', { name: 'Invoices', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Invoices' }).waitFor();
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document
            .activeElement.textContent,
      ),
    ).toBe('Invoices');
    expect(await page.title()).toBe('Invoices · Dhanman');

    const phone = await session(390);
    await signIn(phone, 'accountant@demo.dhanman.local');
    await phone.locator('.chart-canvas[data-drawn="true"]').nth(1).waitFor();
    await screenshot(phone, 'dashboard-phone');
  });

  it('a resident lands on their dues at phone width, pays one, and its receipt appears', async () => {
    const mine = await invoice(0, '777.25', 0, 10);
    const page = await session(390);
    await signIn(page, 'resident@demo.dhanman.local');
    await page.getByRole('heading', { level: 1, name: 'My dues' }).waitFor();
    const dues = page.getByRole('list', { name: 'Invoices due' });
    await dues.getByText(mine.number).waitFor();
    expect(await page.getByRole('region', { name: 'What you owe' }).textContent()).toContain('₹ 777.25');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'resident-home-phone');

    await page.getByRole('button', { name: `Pay ${mine.number}` }).click();
    const receipt = page.getByRole('link', { name: `Receipt for ${mine.number}` });
    await refreshUntil(page, 'the receipt of the payment', () => receipt.isVisible(), 'Your payments');
    await waitFor(
      'the invoice to leave the dues',
      async () => (await dues.getByText(mine.number).count()) === 0 || (await dues.count()) === 0,
    );
    await receipt.click();
    await page.getByRole('heading', { name: `Receipt for ${mine.number}` }).waitFor();
    expect(await page.getByRole('region', { name: `Receipt for ${mine.number}` }).textContent()).toContain(
      '₹ 777.25',
    );
    expect(await seriousViolations(page)).toEqual([]);

    const desktop = await session();
    await signIn(desktop, 'resident@demo.dhanman.local');
    await desktop
      .getByRole('region', { name: 'Your payments' })
      .getByRole('link', { name: `Receipt for ${mine.number}` })
      .waitFor();
    await screenshot(desktop, 'resident-home');
  });

  it('a timeline names the invoice in a sentence and shows the raw record only when asked', async () => {
    const page = await session();
    await signIn(page, 'accountant@demo.dhanman.local');
    await page.goto(`${system.consoleUrl}#/invoices/${overdue.id}`);
    await page.getByRole('link', { name: 'Timeline of this invoice' }).click();
    const sentence = `created ${overdue.number} for ${DEMO_RESIDENTS[2]!.name}, ₹ 1,000.50`;
    const timeline = page.getByRole('list', { name: 'Timeline' });
    await refreshUntil(page, 'the invoice in a sentence', () => timeline.getByText(sentence).isVisible());
    expect(await timeline.locator('li').filter({ hasText: sentence }).locator('strong').textContent()).toBe(
      'sales',
    );
    const raw = timeline
      .locator('pre')
      .filter({ hasText: `"invoiceId": "${overdue.id}"` })
      .first();
    expect(await raw.isVisible()).toBe(false);
    expect(await page.getByText('{"').count()).toBe(0);
    await timeline.locator('li').filter({ hasText: sentence }).getByText('Raw record').click();
    await raw.waitFor({ state: 'visible' });
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'timeline-sentences');
  });

  it('a manager lands on the orders waiting for them', async () => {
    for (const width of [1280, 390]) {
      const page = await session(width);
      await signIn(page, 'manager@demo.dhanman.local');
      await page.getByRole('heading', { level: 1, name: 'Purchase orders' }).waitFor();
      await page.getByRole('region', { name: 'Waiting for you' }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, width === 390 ? 'manager-phone' : 'manager');
    }
  });

  it('with 2-second access tokens, pages whose calls all meet an expired token at once keep the person signed in', async () => {
    const page = await session();
    const refreshes: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/auth/refresh')) refreshes.push(r.url());
    });
    await signIn(page, 'admin@demo.dhanman.local');
    const token = () =>
      page.evaluate(
        () =>
          (
            JSON.parse(
              (
                globalThis as unknown as { sessionStorage: { getItem(k: string): string } }
              ).sessionStorage.getItem('dhanman.session'),
            ) as { token: string }
          ).token,
      );
    /** Until Sales refuses the page's current access token: the next calls all meet a 401. */
    const expired = async () => {
      const current = await token();
      await waitFor(
        'the access token to run out',
        async () =>
          (
            await fetch(`${system.url('sales')}/api/billing-settings`, {
              headers: { authorization: `Bearer ${current}` },
            })
          ).status === 401,
        20_000,
        250,
      );
    };
    const loads: Array<[string, () => Promise<void>]> = [
      // Not the dashboard first: the admin lands on it.
      ['invoices', () => page.getByRole('table', { name: 'Invoices' }).waitFor()],
      ['operations', () => page.getByRole('table', { name: 'Recurring jobs sales' }).waitFor()],
      ['dashboard', () => page.getByRole('table', { name: 'Largest overdue customers' }).waitFor()],
      // The list itself, not its region: the region is drawn before the list's call (and its refresh).
      [
        'purchase-orders',
        () =>
          page
            .getByRole('table', { name: 'Purchase orders', exact: true })
            .or(page.getByText('No purchase orders yet.'))
            .waitFor(),
      ],
    ];
    for (const [path, loaded] of loads) {
      await expired();
      const before = refreshes.length;
      await page.goto(`${system.consoleUrl}#/${path}`);
      await loaded();
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
      expect(await page.getByRole('alert').count(), `no failed section on ${path}`).toBe(0);
      // Every call of the page met the expired token; one refresh served them all.
      expect(refreshes.length - before, path).toBe(1);
    }
    console.info(`${refreshes.length} refreshes for ${loads.length} pages loaded on expired tokens`);
  });
});
