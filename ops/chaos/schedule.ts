import { prng } from './prng.js';

/** The kinds of fault the nemesis lands (the summary's `faults` keys count them). */
export type FaultKind =
  | 'copy-killed'
  | 'broker-node-stopped'
  | 'postgres-restarted'
  | 'gateway-errors'
  | 'gateway-hangs'
  | 'mail-down';

export interface PlannedFault {
  /** Milliseconds after the load started. */
  at: number;
  kind: FaultKind;
  /** What it strikes: `sales#1`, `rabbit#2`, `postgres`, `gateway`, `notification`. */
  target: string;
  /** How long it lasts before the nemesis heals it (a killed copy is restarted then). */
  durationMs: number;
}

export interface ScheduleInput {
  seed: number;
  durationMs: number;
  services: readonly string[];
  copies: number;
  brokerNodes: number;
}

/**
 * The fault timeline of a run, from its seed alone. Hard faults (a SIGKILLed copy, a stopped
 * broker node, a PostgreSQL restart) take turns in slots of the fault window, so each lands on a
 * system that has had a moment to react to the last; soft faults (gateway errors and hangs, mail
 * down) overlap them freely. Faults land in the first 75% of the run: the rest is load without
 * faults, to compare latencies and to let the system recover before the checks.
 */
export function planFaults(input: ScheduleInput): PlannedFault[] {
  const rnd = prng(input.seed);
  const windowStart = Math.round(input.durationMs * 0.1);
  const windowEnd = Math.round(input.durationMs * 0.75);
  const span = windowEnd - windowStart;
  // One round of every kind per 3 minutes of run (at least one): each service killed once a round.
  const rounds = Math.max(1, Math.floor(input.durationMs / 180_000));
  const hard: Omit<PlannedFault, 'at'>[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const service of input.services) {
      hard.push({
        kind: 'copy-killed',
        target: `${service}#${rnd.int(1, input.copies)}`,
        durationMs: rnd.int(2_000, 6_000),
      });
    }
    hard.push({
      kind: 'broker-node-stopped',
      target: `rabbit#${rnd.int(1, input.brokerNodes)}`,
      durationMs: rnd.int(5_000, 15_000),
    });
    hard.push({ kind: 'postgres-restarted', target: 'postgres', durationMs: rnd.int(1_000, 4_000) });
  }
  const slot = span / hard.length;
  const timeline: PlannedFault[] = rnd
    .shuffle(hard)
    .map((f, i) => ({ ...f, at: windowStart + Math.round(i * slot + rnd.next() * slot * 0.5) }));
  const soft = (kind: FaultKind, target: string, min: number, max: number) => {
    const durationMs = Math.min(rnd.int(min, max), Math.round(span / 3));
    timeline.push({ kind, target, durationMs, at: windowStart + rnd.int(0, span - durationMs) });
  };
  for (let r = 0; r < rounds; r++) {
    soft('gateway-errors', 'gateway', 8_000, 20_000);
    soft('gateway-hangs', 'gateway', 8_000, 20_000);
    soft('mail-down', 'notification', 10_000, 30_000);
  }
  return timeline.sort((a, b) => a.at - b.at || a.kind.localeCompare(b.kind));
}

/** One line per fault, for the report and for comparing two runs of a seed. */
export function describeFault(f: PlannedFault): string {
  return `+${(f.at / 1000).toFixed(1).padStart(6)} s  ${f.kind.padEnd(19)} ${f.target.padEnd(16)} for ${(f.durationMs / 1000).toFixed(1)} s`;
}
