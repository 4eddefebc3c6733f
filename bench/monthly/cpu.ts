import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { descendantsOf } from '../../test/harness/process-cleanup.js';

const TICKS_PER_SECOND = 100;

/** utime + stime (+ cutime + cstime: children it reaped, such as PostgreSQL's ended backends), in ticks. */
function ticksOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  } catch {
    return 0; // ended
  }
}

export type CpuReading = Record<string, number>;

/**
 * CPU seconds each part of the stack has used so far: the service processes, RabbitMQ's VM and
 * PostgreSQL (the postmaster and its backends). On a machine shared with other work the
 * wall-clock rates depend on what else runs; the CPU a resident costs does much less.
 */
export function stackCpu(
  services: Record<string, number>,
  rabbitPid: number | undefined,
  postgresDir: string,
): () => CpuReading {
  const postmaster = Number(readFileSync(join(postgresDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const parts: Record<string, () => number[]> = {
    ...Object.fromEntries(Object.entries(services).map(([name, pid]) => [name, () => [pid]])),
    postgres: () => [postmaster, ...descendantsOf(postmaster)],
    rabbitmq: () => (rabbitPid ? [rabbitPid] : []),
  };
  return () =>
    Object.fromEntries(
      Object.entries(parts).map(([name, pids]) => [
        name,
        pids().reduce((sum, pid) => sum + ticksOf(pid), 0) / TICKS_PER_SECOND,
      ]),
    );
}

/** Milliseconds of CPU per resident between two readings, by part and in total. */
export function cpuPerResident(before: CpuReading, after: CpuReading, residents: number): CpuReading {
  const parts = Object.fromEntries(
    Object.keys(after).map((k) => [k, Math.round((((after[k]! - before[k]!) * 1000) / residents) * 10) / 10]),
  );
  return { ...parts, total: Math.round(Object.values(parts).reduce((a, b) => a + b, 0) * 10) / 10 };
}
