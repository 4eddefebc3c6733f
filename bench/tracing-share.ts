import { readFileSync, readdirSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

/** Where tracing's code lives: the OpenTelemetry packages and the platform's tracing modules. */
const TRACING_CODE = /@opentelemetry|observability\/trac(ing|ed-db)|messaging\/tracing/;
const NOT_WORK = new Set(['(idle)', '(program)']);

interface CpuProfile {
  nodes: { id: number; callFrame: { url: string; functionName: string } }[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Busy and tracing self time (µs) of V8 CPU profiles. */
function tally(profiles: CpuProfile[]): { busy: number; tracing: number } {
  let busy = 0;
  let tracing = 0;
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    (profile.samples ?? []).forEach((id, i) => {
      const frame = nodes.get(id)!;
      if (NOT_WORK.has(frame.functionName)) return;
      const dt = profile.timeDeltas?.[i] ?? 0;
      busy += dt;
      if (TRACING_CODE.test(frame.url)) tracing += dt;
    });
  }
  return { busy, tracing };
}

const share = ({ busy, tracing }: { busy: number; tracing: number }) => (busy === 0 ? 0 : tracing / busy);

/**
 * Runs `work` under V8's sampling profiler and returns the share of this process's busy CPU
 * samples spent in tracing's own code (self time). With tracing off this is what "off" costs: the
 * no-op spans and the checks that skip the rest. A share of samples, unlike a rate, does not move
 * when the machine is busy with other work.
 */
export async function tracingShareOf(work: () => Promise<void>): Promise<number> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    await work();
    const { profile } = await session.post('Profiler.stop');
    return share(tally([profile as CpuProfile]));
  } finally {
    session.disconnect();
  }
}

/** The same share over the `.cpuprofile` files that processes started with `--cpu-prof` wrote into `dir`. */
export function tracingShareInDir(dir: string): number {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  return share(tally(files.map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as CpuProfile)));
}
