/**
 * `npm test`: type-check, lint, format check and every Vitest test, then one summary line.
 * The three checks count as one test each. The last line printed is exactly `N passed, N failed`
 * (also written to .tmp/test-summary.txt, which `.ci/run` prints last). Extra arguments go to Vitest.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string): string => join(root, 'node_modules', '.bin', name);
const outDir = join(root, '.tmp');
const reportFile = join(outDir, 'vitest-report.json');
const summaryFile = join(outDir, 'test-summary.txt');

interface Outcome {
  code: number | null;
  output: string;
  seconds: number;
}

function run(command: string, args: string[], capture: boolean): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      stdio: capture ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const done = (code: number | null, extra = ''): void =>
      resolve({ code, output: output + extra, seconds: (Date.now() - started) / 1000 });
    child.on('error', (err) => done(127, `\n${err.message}`));
    child.on('close', (code) => done(code));
  });
}

const checks: { name: string; command: string; args: string[] }[] = [
  { name: 'typecheck (tsc --noEmit)', command: bin('tsc'), args: ['--noEmit', '-p', '.'] },
  { name: 'typecheck web console (tsc -p web)', command: bin('tsc'), args: ['-p', 'web/tsconfig.json'] },
  { name: 'lint (eslint --max-warnings 0)', command: bin('eslint'), args: ['.', '--max-warnings', '0'] },
  {
    name: 'format (prettier --check)',
    command: bin('prettier'),
    args: ['--check', '.', '--log-level', 'warn'],
  },
];

interface VitestReport {
  success?: boolean;
  numPassedTests?: number;
  numFailedTests?: number;
  numPendingTests?: number;
  numTodoTests?: number;
  testResults?: { name: string; status: string; message?: string; assertionResults?: { status: string }[] }[];
}

function readReport(): VitestReport | undefined {
  try {
    return JSON.parse(readFileSync(reportFile, 'utf8')) as VitestReport;
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  mkdirSync(outDir, { recursive: true });
  rmSync(summaryFile, { force: true });
  rmSync(reportFile, { force: true });
  let passed = 0;
  let failed = 0;

  // The checks are independent and mostly single-threaded: run them side by side.
  const results = await Promise.all(
    checks.map(async (check) => {
      const outcome = await run(check.command, check.args, true);
      const ok = outcome.code === 0;
      process.stdout.write(`${ok ? '✓' : '✗'} ${check.name} (${outcome.seconds.toFixed(1)} s)\n`);
      if (!ok) process.stdout.write(`${outcome.output.trim()}\n\n`);
      return ok;
    }),
  );
  for (const ok of results) {
    if (ok) passed += 1;
    else failed += 1;
  }

  const vitest = await run(
    bin('vitest'),
    [
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${reportFile}`,
      ...process.argv.slice(2),
    ],
    false,
  );
  const report = existsSync(reportFile) ? readReport() : undefined;
  if (report === undefined) {
    process.stdout.write(`✗ vitest exited with code ${vitest.code} and wrote no report\n`);
    failed += 1;
  } else {
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    // A file that fails to load, or whose beforeAll throws, has no failed test to count: count the file.
    const brokenFiles = (report.testResults ?? []).filter(
      (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed'),
    );
    for (const file of brokenFiles)
      process.stdout.write(
        `✗ ${relative(root, file.name)}: ${file.message || 'a hook failed (see above)'}\n`,
      );
    failed += brokenFiles.length;
    const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    if (skipped > 0) process.stdout.write(`! ${skipped} test(s) skipped or todo (not counted)\n`);
    if (vitest.code !== 0 && failed === 0) {
      // E.g. unhandled errors between tests, or a global setup that failed.
      process.stdout.write(`✗ vitest exited with code ${vitest.code} although no test failed\n`);
      failed += 1;
    }
  }

  const summary = `${passed} passed, ${failed} failed`;
  writeFileSync(summaryFile, `${summary}\n`);
  process.stdout.write(`${summary}\n`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
