/**
 * `npm run chaos`: every flow at once through the public HTTP API of a cluster while a seeded
 * nemesis lands faults; then the invariants, checked from the client's history and the final state.
 *
 *   npm run chaos -- --minutes N --seed S [--keep] [--no-faults] [--copies N] [--data-dir DIR] [--settle-seconds N]
 *
 * Uses the cluster running from --data-dir (default ./.dhanman/chaos) or starts one there on free
 * ports. Last line: one JSON object (see ops/chaos/report.ts). Exit 0 when every invariant holds.
 * See docs/chaos.md and docs/adr/0028-chaos.md.
 */
import { resolve } from 'node:path';
import { runChaos } from '../ops/chaos/run.js';
import { invariantLines, loadTable, summarize, timelineLines } from '../ops/chaos/report.js';

const say = (line: string) => process.stderr.write(`[chaos] ${line}\n`);

class UsageError extends Error {}

function parseArgs(argv: string[]) {
  const args = {
    minutes: 3,
    seed: Date.now() % 100_000,
    keep: false,
    copies: 1,
    dataDir: './.dhanman/chaos',
    settleSeconds: 300,
    noFaults: false,
  };
  const rest = [...argv];
  while (rest.length > 0) {
    const flag = rest.shift() as string;
    const [name, inline] = flag.split('=', 2) as [string, string | undefined];
    const value = () => inline ?? rest.shift() ?? '';
    const number = (what: string, min: number, max: number) => {
      const raw = value();
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n) || n < min || n > max)
        throw new UsageError(`${what}: expected a number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
      return n;
    };
    if (name === '--minutes') args.minutes = number('--minutes', 0.25, 24 * 60);
    else if (name === '--seed') args.seed = Math.floor(number('--seed', 0, 2 ** 32 - 1));
    else if (name === '--keep') args.keep = true;
    else if (name === '--no-faults') args.noFaults = true;
    else if (name === '--copies') args.copies = Math.floor(number('--copies', 1, 4));
    else if (name === '--settle-seconds') args.settleSeconds = number('--settle-seconds', 10, 3_600);
    else if (name === '--data-dir') args.dataDir = value();
    else
      throw new UsageError(
        `unknown argument ${JSON.stringify(flag)}: expected --minutes N --seed S [--keep] [--no-faults] [--copies N] [--data-dir DIR] [--settle-seconds N]`,
      );
  }
  return { ...args, dataDir: resolve(args.dataDir) };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  say(
    `seed ${args.seed}, ${args.minutes} min (run again with --seed ${args.seed} for the same fault timeline)`,
  );
  const outcome = await runChaos({
    minutes: args.minutes,
    seed: args.seed,
    keep: args.keep,
    dataDir: args.dataDir,
    copies: args.copies,
    noFaults: args.noFaults,
    settleMs: args.settleSeconds * 1_000,
    env: process.env,
    say,
  });
  const summary = summarize(
    args.minutes,
    args.seed,
    outcome.nemesis.timeline,
    outcome.history,
    outcome.invariants,
  );
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out(`seed ${args.seed}`);
  out('');
  out('fault timeline:');
  for (const l of timelineLines(outcome.nemesis.timeline)) out(`  ${l}`);
  out('');
  out('load (ms; err = calls without an acceptable answer, after the client retries):');
  for (const l of loadTable(outcome.history)) out(`  ${l}`);
  out(
    `  poison messages sent: ${outcome.history.poison.length}; requests left unknown: ${outcome.history.unknown.length}`,
  );
  out('');
  out('invariants:');
  for (const l of invariantLines(outcome.invariants)) out(`  ${l}`);
  if (outcome.failureDigest.length > 0) {
    out('');
    out(
      'what the copies logged (warnings and errors by message; lines naming a violation) and what the broker holds:',
    );
    for (const l of outcome.failureDigest) out(`  ${l}`);
  }
  if (!summary.ok)
    out(`\nFAILED: reproduce with npm run chaos -- --minutes ${args.minutes} --seed ${args.seed}`);
  out(JSON.stringify(summary));
  return summary.ok ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`npm run chaos: ${err.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`npm run chaos: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}
