/**
 * `npm run bench:console`: the web console's first page as a person opens it, on the embedded
 * default with the console served as `npm start` serves it, in Debian's Chromium (headless). Each
 * visit is a new browser context (nothing cached); time to interactive is from navigation start
 * until the sign-in form is complete with its button enabled. Baseline in the same run: the same
 * browser fetching a static page from the same server (what the browser and loopback cost alone).
 * Targets: interactive within 1 s; the script shipped under 300 kB gzipped. Last line JSON.
 */
import { launchBrowser } from '../test/support/browser.js';
import { startSystem } from '../bin/system.js';
import { openFirstPage } from '../test/browser/console-kit.js';
import { percentile } from './latency.js';

const VISITS = Number(process.env.BENCH_CONSOLE_VISITS ?? 10);

const [system, browser] = await Promise.all([
  // `npm start`'s system on free ports and an in-memory database (the console as it serves it).
  startSystem({
    env: { ...process.env, LOG_LEVEL: 'warn', DHANMAN_DATA_DIR: 'memory://' },
    seed: true,
    freePorts: true,
    console: true,
  }),
  launchBrowser(),
]);
try {
  const consoleUrl = system.consoleUrl!;
  const interactive: number[] = [];
  const baseline: number[] = [];
  let script = { onTheWire: 0, decoded: 0, builtGzipped: 0 };
  for (let i = 0; i < VISITS; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const first = await openFirstPage(page, consoleUrl);
    interactive.push(first.interactiveMs);
    script = {
      onTheWire: first.scriptOnTheWire,
      decoded: first.scriptDecoded,
      builtGzipped: first.scriptBuiltGzipped,
    };
    await context.close();
    const bare = await browser.newContext();
    const blank = await bare.newPage();
    await blank.goto(`${consoleUrl}/favicon.ico`, { waitUntil: 'load' }).catch(() => undefined);
    baseline.push(await blank.evaluate(() => performance.now()));
    await bare.close();
  }
  interactive.sort((a, b) => a - b);
  baseline.sort((a, b) => a - b);
  const p50 = percentile(interactive, 50);
  const p95 = percentile(interactive, 95);
  const base50 = percentile(baseline, 50);
  const kb = (n: number) => `${(n / 1000).toFixed(1)} kB`;
  console.log(`console first page, ${VISITS} first visits (new context each), headless Chromium`);
  console.log(
    `  time to interactive   p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, best ${interactive[0]!.toFixed(0)} ms (target < 1000 ms: ${p50 < 1000 ? 'met' : 'MISSED'})`,
  );
  console.log(
    `  baseline (bare fetch) p50 ${base50.toFixed(0)} ms; the page costs ${(p50 / base50).toFixed(1)}x that`,
  );
  console.log(
    `  script                ${kb(script.onTheWire)} on the wire, ${kb(script.decoded)} decoded, ${kb(script.builtGzipped)} gzipped in the build (target < 300 kB: ${script.builtGzipped < 300_000 ? 'met' : 'MISSED'})`,
  );
  console.log(
    JSON.stringify({
      visits: VISITS,
      interactiveP50Ms: Math.round(p50),
      interactiveP95Ms: Math.round(p95),
      baselineP50Ms: Math.round(base50),
      ratioToBaseline: Math.round((p50 / base50) * 10) / 10,
      scriptGzippedKb: Math.round(script.builtGzipped / 100) / 10,
    }),
  );
} finally {
  await browser.close();
  await system.stop();
}
