import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Locator, Page } from 'playwright-core';
import { DEFAULT_DEMO_PASSWORD } from '#contracts/demo.js';
import { DIST } from '../../web/server/build.js';
import { waitFor } from '../support/wait.js';

/** What the console's browser tests do again and again: sign in, refresh until, read a timeline. */

export async function signIn(page: Page, consoleUrl: string, email: string): Promise<void> {
  await page.goto(consoleUrl);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEFAULT_DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/**
 * Clicks Refresh (the page's first, or the one in the `section` region) until `shown` (the flow
 * behind it is asynchronous).
 */
export async function refreshUntil(
  page: Page,
  what: string,
  shown: () => Promise<boolean>,
  section?: string | RegExp,
): Promise<void> {
  const scope = section ? page.getByRole('region', { name: section }) : page;
  await waitFor(
    what,
    async () => {
      if (await shown()) return true;
      await scope.getByRole('button', { name: 'Refresh' }).first().click();
      return false;
    },
    20_000,
    250,
  );
}

/** The services a timeline names, in the order they first appear. */
export async function timelineServices(page: Page): Promise<string[]> {
  const names = await page.getByRole('list', { name: 'Timeline' }).locator('li strong').allTextContents();
  return names.filter((s, i, all) => all.indexOf(s) === i);
}

/** The sign-in form, whole (its button comes last) and usable. */
const READY_FORM = 'form[aria-label="Sign in"] button[type="submit"]:not([disabled])';

/** What the probe uses in the page (the tests' tsconfig has no DOM types). */
interface SignInProbe {
  document: { querySelector(selector: string): unknown };
  MutationObserver: new (callback: (records: unknown, observer: { disconnect(): void }) => void) => {
    observe(target: unknown, options: { childList: boolean; subtree: boolean }): void;
  };
  formReadyAt?: number;
}

/** A script the page loaded, from the browser's own resource timing. */
interface ScriptEntry {
  name: string;
  encodedBodySize: number;
  decodedBodySize: number;
}

export interface FirstPage {
  /** From the start of the navigation until the sign-in form was whole with its button enabled. */
  interactiveMs: number;
  scripts: number;
  /** Bytes of script received (as sent: gzip) and once decoded. */
  scriptOnTheWire: number;
  scriptDecoded: number;
  /** The build's scripts, gzipped here (what any gzip-serving host would send). */
  scriptBuiltGzipped: number;
}

/**
 * Opens the console's first page in `page` (a new context: nothing cached) and measures it. The
 * page notes when its sign-in form is in place (React listens at the root from the start, so the
 * form then takes input); the form is then filled, to show it does.
 */
export async function openFirstPage(page: Page, consoleUrl: string): Promise<FirstPage> {
  await page.addInitScript((readyForm) => {
    const probe = globalThis as unknown as SignInProbe;
    new probe.MutationObserver((_, observer) => {
      if (!probe.document.querySelector(readyForm)) return;
      probe.formReadyAt = performance.now();
      observer.disconnect();
    }).observe(probe.document, { childList: true, subtree: true });
  }, READY_FORM);
  await page.goto(consoleUrl);
  await page.getByLabel('Email').fill('accountant@demo.dhanman.local');
  const interactiveMs = await page.evaluate(() => (globalThis as unknown as SignInProbe).formReadyAt!);
  const scripts = await page.evaluate(() =>
    (performance.getEntriesByType('resource') as unknown as ScriptEntry[])
      .filter((e) => new URL(e.name).pathname.endsWith('.js'))
      .map((e) => ({ encoded: e.encodedBodySize, decoded: e.decodedBodySize })),
  );
  const assets = join(DIST, 'assets');
  return {
    interactiveMs,
    scripts: scripts.length,
    scriptOnTheWire: scripts.reduce((n, e) => n + e.encoded, 0),
    scriptDecoded: scripts.reduce((n, e) => n + e.decoded, 0),
    scriptBuiltGzipped: readdirSync(assets)
      .filter((f) => f.endsWith('.js'))
      .reduce((n, f) => n + gzipSync(readFileSync(join(assets, f))).byteLength, 0),
  };
}

/** Pixels of exactly this colour on a canvas: the chart drew its bars (antialiased edges aside). */
export async function pixelsOf(canvas: Locator, rgb: [number, number, number]): Promise<number> {
  return canvas.evaluate((el, [r, g, b]) => {
    const c = el as unknown as {
      width: number;
      height: number;
      getContext(kind: '2d'): {
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
      };
    };
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] === r && data[i + 1] === g && data[i + 2] === b) n++;
    return n;
  }, rgb);
}

export async function downloaded(page: Page, click: () => Promise<void>): Promise<Buffer> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return readFileSync((await download.path())!);
}
