import type { Invariants } from './checker.js';
import type { CallRecord, Flow, History } from './history.js';
import type { LandedFault } from './nemesis.js';
import { describeFault, type FaultKind } from './schedule.js';

export interface Summary {
  minutes: number;
  seed: number;
  faults: {
    copyKilled: number;
    brokerNodeStopped: number;
    postgresRestarted: number;
    gatewayFaults: number;
    mailDown: number;
  };
  load: {
    invoices: number;
    payments: number;
    runs: number;
    purchaseOrders: number;
    bills: number;
    salaryRuns: number;
    signIns: number;
  };
  invariants: Record<string, { ok: boolean; detail: string }>;
  ok: boolean;
}

const landed = (t: readonly LandedFault[], ...k: FaultKind[]) =>
  t.filter((f) => k.includes(f.kind) && f.landedAt !== undefined && !f.error).length;

export function summarize(
  minutes: number,
  seed: number,
  timeline: readonly LandedFault[],
  h: History,
  inv: Invariants,
): Summary {
  return {
    minutes,
    seed,
    faults: {
      copyKilled: landed(timeline, 'copy-killed'),
      brokerNodeStopped: landed(timeline, 'broker-node-stopped'),
      postgresRestarted: landed(timeline, 'postgres-restarted'),
      gatewayFaults: landed(timeline, 'gateway-errors', 'gateway-hangs'),
      mailDown: landed(timeline, 'mail-down'),
    },
    load: {
      invoices: h.invoices.length,
      payments: h.payments.length,
      runs: h.runs.length,
      purchaseOrders: h.purchaseOrders.length,
      bills: h.bills.length,
      salaryRuns: h.salaryRuns.length,
      signIns: h.signIns,
    },
    invariants: Object.fromEntries(Object.entries(inv).map(([k, r]) => [k, { ok: r.ok, detail: r.detail }])),
    ok: Object.values(inv).every((r) => r.ok),
  };
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function stats(calls: readonly CallRecord[]): string {
  if (calls.length === 0) return '-'.padStart(26);
  const ms = calls.map((c) => c.ms).sort((a, b) => a - b);
  const errors = calls.filter((c) => !c.ok).length;
  const rate = `${((errors / calls.length) * 100).toFixed(1)}%`;
  return `${String(calls.length).padStart(5)} ${rate.padStart(6)} ${String(quantile(ms, 0.5)).padStart(6)} ${String(quantile(ms, 0.99)).padStart(6)}`;
}

/** Calls per flow: count, error rate (no acceptable answer), p50 and p99 in ms, with faults on and off. */
export function loadTable(h: History): string[] {
  const flows = [...new Set(h.calls.map((c) => c.flow))] as Flow[];
  const head = `${'flow'.padEnd(16)} ${'faults on: n   err    p50    p99'.padEnd(27)} | faults off: n   err    p50    p99   retried`;
  return [
    head,
    ...flows.map((flow) => {
      const calls = h.calls.filter((c) => c.flow === flow);
      const retried = calls.filter((c) => c.attempts > 1).length;
      const errors = new Map<string, number>();
      for (const c of calls.filter((x) => !x.ok))
        errors.set(`${c.op} ${c.status}`, (errors.get(`${c.op} ${c.status}`) ?? 0) + 1);
      const why = [...errors].map(([k, n]) => `${k} x${n}`).join(', ');
      return `${flow.padEnd(16)} ${stats(calls.filter((c) => c.faultsOn))} | ${stats(calls.filter((c) => !c.faultsOn))} ${String(retried).padStart(9)}${why ? `   errors: ${why.slice(0, 160)}` : ''}`;
    }),
  ];
}

export function timelineLines(timeline: readonly LandedFault[]): string[] {
  return timeline.map((f) => {
    const actual =
      f.landedAt === undefined
        ? 'did not land'
        : `landed +${(f.landedAt / 1000).toFixed(1)} s, healed ${f.healedAt === undefined ? 'never' : `+${(f.healedAt / 1000).toFixed(1)} s`}`;
    return `${describeFault(f)}  (${actual}${f.error ? `; ${f.error}` : ''})`;
  });
}

export function invariantLines(inv: Invariants, firstViolations = 10): string[] {
  const out: string[] = [];
  for (const [name, r] of Object.entries(inv)) {
    out.push(`${r.ok ? 'ok  ' : 'FAIL'} ${name.padEnd(24)} ${r.detail}`);
    for (const v of r.violations.slice(0, firstViolations))
      out.push(
        `       ${v.document}${v.correlationId ? ` (correlation ${v.correlationId})` : ''}: ${v.problem}`,
      );
    if (r.violations.length > firstViolations)
      out.push(`       ... ${r.violations.length - firstViolations} more`);
  }
  return out;
}
