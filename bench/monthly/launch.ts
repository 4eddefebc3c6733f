import pg from 'pg';
import {
  freeServicePorts,
  launch,
  terminate,
  waitReady,
  type Launched as Process,
} from '../../test/support/processes.js';

export const MONTHLY_SERVICES = ['common', 'community', 'sales', 'notification'] as const;
export type MonthlyService = (typeof MONTHLY_SERVICES)[number];

export interface MonthlySystem {
  urls: Record<MonthlyService, string>;
  pids: Record<MonthlyService, number>;
  stop(): Promise<void>;
}

/** The four services of the monthly run, each its own process on PostgreSQL and RabbitMQ. */
export async function launchMonthly(baseEnv: Record<string, string | undefined>): Promise<MonthlySystem> {
  const { env: ports, urls: all } = await freeServicePorts();
  const env = { ...baseEnv };
  for (const name of MONTHLY_SERVICES) {
    const NAME = name.toUpperCase();
    env[`${NAME}_PORT`] = ports[`${NAME}_PORT`];
    env[`${NAME}_URL`] = all[name];
  }
  const processes: Process[] = [];
  const pids = {} as Record<MonthlyService, number>;
  try {
    for (const name of MONTHLY_SERVICES) {
      const proc = launch(
        'bin/service.ts',
        [name, '--demo'],
        { ...env, PORT: env[`${name.toUpperCase()}_PORT`] },
        {
          stdio: 'stderr',
        },
      );
      processes.push(proc);
      pids[name] = proc.child.pid!;
      await waitReady(all[name]!, proc, 180_000);
    }
  } catch (err) {
    await Promise.all(processes.map((p) => terminate(p)));
    throw err;
  }
  const urls = Object.fromEntries(MONTHLY_SERVICES.map((n) => [n, all[n]!])) as Record<
    MonthlyService,
    string
  >;
  return { urls, pids, stop: async () => void (await Promise.all(processes.map((p) => terminate(p)))) };
}

/** A pg pool on one service's database of the bench's PostgreSQL. */
export function serviceDb(serverUrl: string, prefix: string, service: string): pg.Pool {
  const url = new URL(serverUrl);
  url.pathname = `/${prefix}_${service}`;
  return new pg.Pool({ connectionString: url.toString(), max: 2 });
}
