import { z } from 'zod';
import { env, loadConfig } from '#platform/config/env.js';
import { isProxyEntry } from '#platform/http/client-address.js';
import { ensureConsoleBuilt } from './build.js';
import { startConsole, type RunningConsole } from './console-server.js';

const consoleConfigSchema = z.object({
  CONSOLE_PORT: env.port(8080),
  /** Proxies in front of the console (a balancer) whose X-Forwarded-For it passes on; default none. */
  CONSOLE_TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean),
    )
    .refine(
      (list) => list.every(isProxyEntry),
      'expected IP addresses, CIDR ranges or loopback, linklocal, uniquelocal',
    ),
  HOST: z.string().min(1).default('127.0.0.1'),
});

/**
 * The web console beside a running system: built first when missing or stale, then served on
 * CONSOLE_PORT (0 picks a free port), passing calls on to the system's services.
 */
export async function startWebConsole(
  services: Record<string, string>,
  source: Record<string, string | undefined>,
  log: (msg: string) => void,
  port?: number,
): Promise<RunningConsole> {
  const config = loadConfig(consoleConfigSchema, source);
  await ensureConsoleBuilt(log);
  return startConsole({
    host: config.HOST,
    port: port ?? config.CONSOLE_PORT,
    services,
    trustedProxies: config.CONSOLE_TRUSTED_PROXIES,
  });
}
