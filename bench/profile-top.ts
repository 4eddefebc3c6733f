/**
 * `npm run bench:profile-top -- DIR [N]`: the top frames (self time) of each `.cpuprofile` that
 * processes started with `--cpu-prof --cpu-prof-dir=DIR` wrote (e.g. `BENCH_NODE_ARGS` of any
 * bench), and where each process's busy time goes by package: our code, each library, Node's own.
 * What the profiles in docs/profiles.md were read with. Last line JSON.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

interface Frame {
  url: string;
  functionName: string;
  lineNumber: number;
}
interface CpuProfile {
  nodes: { id: number; callFrame: Frame }[];
  samples?: number[];
  timeDeltas?: number[];
}

const NOT_WORK = new Set(['(idle)', '(program)']);
const [dir, topArg] = process.argv.slice(2);
if (!dir) {
  console.error('usage: npm run bench:profile-top -- DIR [N]');
  process.exit(64);
}
const top = Number(topArg ?? 12);

/** The package a frame's code belongs to: a library, our own folders, or Node and V8. */
function owner(url: string, name: string): string {
  if (name === '(garbage collector)') return 'gc';
  const lib = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (lib) return lib[1]!;
  const ours = /\/(platform|services|contracts|bin)\/([^/]+)/.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  return url.startsWith('node:') || url === '' ? 'node' : 'other';
}

/** Which process wrote a profile: the one service whose code it ran, all of them (embedded), or none (a loader thread). */
function processOf(profile: CpuProfile): string {
  const services = new Set(
    profile.nodes.map((n) => /\/services\/([a-z]+)\//.exec(n.callFrame.url)?.[1]).filter(Boolean),
  );
  if (services.size === 0) return 'no service code: a loader thread';
  return services.size === 1 ? [...services][0]! : 'embedded: every service';
}

const summary: Record<string, { process: string; busyMs: number; byPackage: Record<string, number> }> = {};
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let busy = 0;
  (profile.samples ?? []).forEach((id, i) => {
    const f = frames.get(id)!;
    if (NOT_WORK.has(f.functionName)) return;
    const dt = (profile.timeDeltas?.[i] ?? 0) / 1000;
    busy += dt;
    const where = f.url
      ? `${f.url.replace(/^.*\/(node_modules|work\/[^/]+)\//, '')}:${f.lineNumber + 1}`
      : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    const pkg = owner(f.url, f.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + dt);
  });
  const pct = (ms: number) => `${((ms / busy) * 100).toFixed(1).padStart(5)}%`;
  console.log(`\n${file} (${processOf(profile)}): ${busy.toFixed(0)} ms busy`);
  for (const [key, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${pct(ms)}  ${key}`);
  const packages = [...byPackage].sort((a, b) => b[1] - a[1]);
  console.log(
    `  by package: ${packages
      .slice(0, 10)
      .map(([p, ms]) => `${p} ${pct(ms).trim()}`)
      .join(', ')}`,
  );
  summary[file] = {
    process: processOf(profile),
    busyMs: Math.round(busy),
    byPackage: Object.fromEntries(packages.slice(0, 10).map(([p, ms]) => [p, Math.round(ms)])),
  };
}
console.log(JSON.stringify(summary));
