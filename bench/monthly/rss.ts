import { readFileSync } from 'node:fs';

/** Samples the resident set size of processes (Linux /proc) and keeps each one's peak, in MB. */
export function rssSampler(pids: Record<string, number>, everyMs = 250) {
  const peak: Record<string, number> = Object.fromEntries(Object.keys(pids).map((k) => [k, 0]));
  const sample = () => {
    for (const [name, pid] of Object.entries(pids)) {
      try {
        const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
        peak[name] = Math.max(peak[name]!, Math.round(kb / 1024));
      } catch {
        // the process ended
      }
    }
  };
  const timer = setInterval(sample, everyMs);
  return {
    peak: () => ({ ...peak }),
    stop: () => clearInterval(timer),
  };
}
