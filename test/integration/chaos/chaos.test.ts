import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKEN_INVOICE_BALANCE_HOOK } from '#services/common/ledger/test-hooks.js';
import { restartCopy } from '../../../ops/cluster/launcher.js';
import { stopProcesses } from '../../../ops/cluster/processes.js';
import { readState } from '../../../ops/cluster/state.js';
import { CHAOS_CLUSTER_ENV } from '../../../ops/chaos/cluster-access.js';
import type { Summary } from '../../../ops/chaos/report.js';
import { startWatchdog } from '../../harness/process-cleanup.js';
import { launch, ROOT } from '../../support/processes.js';

/*
 * `npm run chaos` as a person runs it, for 90 seconds, on a cluster of its own (one copy of each
 * service: a second copy doubles the start-up and the CPU of a shared two-core machine, and the
 * faults that matter here, a copy killed with its leases and messages in flight, strike a single
 * copy just as hard). Then the same cluster with a deliberately broken Common, to show the checker
 * fails a run that breaks an invariant and names the documents.
 */
let base = '';
let dataDir = '';
let stopWatchdog = () => undefined as void;
// VITEST is what lets Common honour the broken-build hook in the second test (and nothing else).
const env = { PATH: process.env.PATH, HOME: process.env.HOME, VITEST: process.env.VITEST ?? 'true' };

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'dhanman-chaos-'));
  // PostgreSQL runs as its own user (as root, the launcher runs it as `postgres`): it must reach its directory.
  chmodSync(base, 0o755);
  dataDir = join(base, 'cluster');
  stopWatchdog = startWatchdog(
    process.pid,
    `cd '${ROOT}' && '${process.execPath}' --import tsx bin/cluster.ts down --data-dir '${dataDir}'; rm -rf '${base}'`,
  );
});

afterAll(async () => {
  const down = launch('bin/cluster.ts', ['down', '--data-dir', dataDir], env);
  await down.exited;
  stopWatchdog();
  rmSync(base, { recursive: true, force: true });
}, 180_000);

async function chaos(args: string[]): Promise<{ code: number | null; output: string; summary: Summary }> {
  const run = launch('bin/chaos.ts', [...args, '--keep', '--copies', '1', '--data-dir', dataDir], env);
  const code = await run.exited;
  const output = run.output();
  const last = output
    .split('\n')
    .filter((l) => l.startsWith('{"minutes"'))
    .pop();
  if (!last) throw new Error(`npm run chaos printed no summary (exit ${code}):\n${output.slice(-5_000)}`);
  process.stderr.write(
    `${output
      .split('\n')
      .filter((l) => !l.startsWith('[chaos]'))
      .join('\n')}\n`,
  );
  return { code, output, summary: JSON.parse(last) as Summary };
}

describe('npm run chaos', () => {
  it('90 seconds of every flow while a copy of each service is killed, a broker node and PostgreSQL restarted, the gateway and the mail failing: every invariant holds', async () => {
    const { code, output, summary } = await chaos([
      '--minutes',
      '1.5',
      '--seed',
      '11',
      '--settle-seconds',
      '300',
    ]);
    expect(summary.faults.copyKilled).toBe(7);
    expect(summary.faults.brokerNodeStopped).toBeGreaterThanOrEqual(1);
    expect(summary.faults.postgresRestarted).toBeGreaterThanOrEqual(1);
    expect(summary.faults.gatewayFaults).toBeGreaterThanOrEqual(2);
    expect(summary.faults.mailDown).toBeGreaterThanOrEqual(1);
    for (const [flow, n] of Object.entries(summary.load)) expect(n, flow).toBeGreaterThan(0);
    expect(Object.entries(summary.invariants).filter(([, r]) => !r.ok)).toEqual([]);
    expect(summary.ok).toBe(true);
    expect(code).toBe(0);
    expect(output).toContain('fault timeline:');
  }, 1_500_000);

  it('with Common built to move an invoice’s balance twice, the run fails balancesMatchLedger and names the customers, invoices and correlation ids', async () => {
    const common = readState(dataDir)!.copies.find((c) => c.service === 'common' && c.copy === 1)!;
    await stopProcesses([common.pid]);
    await restartCopy(dataDir, 'common', 1, {
      ...env,
      ...CHAOS_CLUSTER_ENV,
      [BROKEN_INVOICE_BALANCE_HOOK]: '1',
    });
    const { code, output, summary } = await chaos([
      '--minutes',
      '0.5',
      '--seed',
      '12',
      '--no-faults',
      '--settle-seconds',
      '180',
    ]);
    expect(summary.ok).toBe(false);
    expect(summary.invariants.balancesMatchLedger).toMatchObject({ ok: false });
    expect(code).toBe(1);
    const report = output.slice(output.indexOf('invariants:'));
    expect(report).toMatch(/FAIL balancesMatchLedger/);
    expect(report).toMatch(
      /customer [0-9a-f-]{36}: balance [\d.]+, ledger [\d.]+; invoices [0-9a-f-]{36} \([\d.]+, correlation [0-9a-f-]{36}\)/,
    );
    expect(output).toContain('reproduce with npm run chaos -- --minutes 0.5 --seed 12');
  }, 900_000);
});
