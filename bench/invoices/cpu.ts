import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds used per process group during a run (Linux /proc): each Dhanman service process,
 * PostgreSQL, RabbitMQ and the bench itself, counting only the bench's own process trees (the
 * `roots` and their descendants), so another program's services and databases on the same
 * machine are not counted. Elsewhere it reports nothing.
 */
export type CpuSample = Map<string, number>;

const TICKS_PER_SECOND = 100;

function groupOf(pid: string, comm: string, cmdline: string): string | undefined {
  if (pid === String(process.pid)) return 'bench (load + SMTP server)';
  const service = /service\.ts (\w+)/.exec(cmdline)?.[1];
  if (service) return `service ${service}`;
  if (/bin\/start\.ts/.test(cmdline)) return 'embedded system';
  if (comm === 'postgres') return 'postgres';
  if (comm.startsWith('beam')) return 'rabbitmq';
  return undefined;
}

interface ProcStat {
  comm: string;
  ppid: string;
  seconds: number;
}

function readStat(pid: string): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
      ppid: fields[1]!,
      seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
    };
  } catch {
    return undefined; // The process ended meanwhile.
  }
}

/** Samples the process trees under `roots` (the bench's own pid is always one). */
export function sampleCpu(roots: readonly number[] = []): CpuSample {
  const out: CpuSample = new Map();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  const stats = new Map<string, ProcStat>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) stats.set(pid, stat);
  }
  const ours = new Set([String(process.pid), ...roots.map(String)]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, stat] of stats)
      if (!ours.has(pid) && ours.has(stat.ppid)) {
        ours.add(pid);
        grew = true;
      }
  }
  for (const pid of ours) {
    const stat = stats.get(pid);
    if (!stat) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    const group = groupOf(pid, stat.comm, cmdline);
    if (group) out.set(group, (out.get(group) ?? 0) + stat.seconds);
  }
  return out;
}

/** The postmaster's pid, from the first line of `postmaster.pid` in its data directory. */
export function postmasterPid(dataDir: string): number | undefined {
  try {
    return Number(readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}

/** CPU milliseconds per invoice for each group, biggest first. */
export function cpuPerInvoice(
  before: CpuSample,
  after: CpuSample,
  invoices: number,
): Array<[string, number]> {
  return [...after.entries()]
    .map(([group, seconds]): [string, number] => [
      group,
      ((seconds - (before.get(group) ?? 0)) * 1000) / invoices,
    ])
    .filter(([, ms]) => ms > 0.01)
    .sort((a, b) => b[1] - a[1]);
}
