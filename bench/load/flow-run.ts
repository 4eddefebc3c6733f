import type { ServiceClients } from '../rig.js';

/**
 * What a run of a flow over HTTP measured (invoices created, payments made): requests sent
 * `concurrency` at a time, times in seconds from the first request.
 */
export interface FlowRun {
  concurrency: number;
  errors: number;
  httpSeconds: number;
  /** When the ledger held every posting, and when every mail was out. */
  ledgerSeconds: number;
  mailSeconds: number;
  endToEndSeconds: number;
  httpPerSecond: number;
  endToEndPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number };
}

/**
 * The services' environment for a run of a flow, before the servers': quiet logs, the demo's
 * password, and no per-caller rate limit (one client sends everything: throughput is measured here).
 */
export function flowEnv(password: string): Record<string, string | undefined> {
  return {
    ...process.env,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_ENABLED: process.env.RATE_LIMIT_ENABLED ?? 'false',
    DHANMAN_DEMO_PASSWORD: password,
  };
}

/** The demo organization's administrator's access token, for the requests of a run. */
export async function demoAdminToken(
  call: ServiceClients<'common'>['call'],
  password: string,
): Promise<string> {
  const login = await call('common', 'POST', '/api/auth/login', undefined, {
    email: 'admin@demo.dhanman.local',
    password,
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
  return login.body.accessToken as string;
}
