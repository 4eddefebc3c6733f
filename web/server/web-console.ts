import { z } from 'zod';
import { env, loadConfig } from '#platform/config/env.js';
import { ensureConsoleBuilt } from './build.js';
import { startConsole, type RunningConsole } from './console-server.js';

const consoleConfigSchema = z.object({
  CONSOLE_PORT: env.port(8080),
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
  return startConsole({ host: config.HOST, port: port ?? config.CONSOLE_PORT, services });
}
