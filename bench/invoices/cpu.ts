import { readFileSync } from 'node:fs';
import path from 'node:path';
import { descendantsOf } from '../../test/harness/process-cleanup.js';

/**
 * CPU seconds used per process group during a run (Linux /proc): each Dhanman service process,
 * PostgreSQL, RabbitMQ and the bench itself. Only the bench's own processes count (the machine may
 * run other servers): its descendants, and the PostgreSQL cluster in `postgresDir` (pg_ctl detaches
 * it). Elsewhere it reports nothing.
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

export function sampleCpu(postgresDir?: string): CpuSample {
  const out: CpuSample = new Map();
  let pids: string[];
  try {
    const own = [process.pid, ...descendantsOf(process.pid)];
    if (postgresDir) {
      const postmaster = Number(
        readFileSync(path.join(postgresDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
      );
      own.push(postmaster, ...descendantsOf(postmaster));
    }
    pids = own.map(String);
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const group = groupOf(pid, comm, readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
      if (!group) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      out.set(group, (out.get(group) ?? 0) + ticks / TICKS_PER_SECOND);
    } catch {
      // The process ended meanwhile.
    }
  }
  return out;
}

/** CPU milliseconds per item (invoice, payment) for each group, biggest first. */
export function cpuPerItem(before: CpuSample, after: CpuSample, items: number): Array<[string, number]> {
  return [...after.entries()]
    .map(([group, seconds]): [string, number] => [
      group,
      ((seconds - (before.get(group) ?? 0)) * 1000) / items,
    ])
    .filter(([, ms]) => ms > 0.01)
    .sort((a, b) => b[1] - a[1]);
}
