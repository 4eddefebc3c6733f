import { ContractRegistry } from '#platform/messaging/contract.js';
import { loadRuntimeConfig } from '#platform/host/runtime-config.js';
import { createRuntime, type Runtime } from '#platform/host/runtime.js';
import { startService, type RunningService, type StartOptions } from '#platform/host/start-service.js';
import { onShutdownSignal } from './shutdown.js';
import { createLogger } from '#platform/observability/logger.js';
import { asyncApiFor } from './message-catalogue.js';
import { operatorRoutes } from '../operations/operator-routes.js';
import { allContracts } from '#contracts/index.js';
import { DEFAULT_DEMO_PASSWORD, DEMO_OPERATOR, DEMO_ORGANIZATION, DEMO_USERS } from '#contracts/demo.js';
import { SERVICE_PORTS, type ServiceName } from '#contracts/services.js';
import { SERVICE_SUBSCRIPTIONS } from '#contracts/subscriptions.js';
import { ensureConsoleBuilt } from '../web/server/build.js';
import { startWebConsole } from '../web/server/web-console.js';
import { refuseDefaultSecretsFor } from './production-secrets.js';
import { SERVICE_LOADERS, START_ORDER } from './services.js';

export interface System {
  runtime: Runtime;
  services: RunningService[];
  url(service: ServiceName): string;
  /** The web console's address, when the system serves it. */
  consoleUrl: string | null;
  printWelcome(): void;
  stop(): Promise<void>;
}

export interface SystemOptions {
  env: Record<string, string | undefined>;
  seed: boolean;
  /** Which services to run (default: all). */
  only?: ServiceName[];
  /** Use free ports instead of the configured ones (tests). */
  freePorts?: boolean;
  handleSignals?: boolean;
  /** Serve the web console too (built when missing or stale). */
  console?: boolean;
}

/** Shared by every service of the process: nothing changes a registry once built. */
const contracts = new ContractRegistry(allContracts);

/** What each service of a system starts with (a test that restarts one service uses it too). */
export function systemStartOptions(runtime: Runtime, env: Record<string, string | undefined>): StartOptions {
  return {
    runtime,
    contracts,
    subscriptions: SERVICE_SUBSCRIPTIONS,
    servicePorts: SERVICE_PORTS,
    env,
    asyncapi: asyncApiFor,
    operatorRoutes,
  };
}

/** Starts a set of services in one process on one runtime (embedded or distributed). */
export async function startSystem(opts: SystemOptions): Promise<System> {
  const config = loadRuntimeConfig(opts.env, SERVICE_PORTS);
  const names = START_ORDER.filter((n) => !opts.only || opts.only.includes(n));
  // Before anything connects: production runs with no built-in or public secret.
  refuseDefaultSecretsFor(names, opts.seed, opts.env);
  const log = createLogger('dhanman', config.LOG_LEVEL, undefined, config.LOG_FORMAT);
  const startedAt = Date.now();
  // The console builds (when stale) while the services start; it is served once they are up.
  const building = opts.console ? ensureConsoleBuilt((msg) => log.info(msg)) : undefined;
  building?.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"
  const runtime = await createRuntime(config, log);
  const services: RunningService[] = [];
  const env = { ...opts.env };

  let webConsole: { url: string; stop(): Promise<void> } | null = null;
  const stop = async () => {
    await webConsole?.stop();
    for (const s of [...services].reverse()) await s.stop();
    await runtime.close();
  };
  if (opts.handleSignals) {
    onShutdownSignal(stop, log, {
      timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      // npm sets npm_lifecycle_event in the scripts it runs.
      watchParent: opts.env.npm_lifecycle_event !== undefined,
    });
  }

  try {
    for (const name of names) {
      const definition = await SERVICE_LOADERS[name]();
      const running = await startService(definition, {
        ...systemStartOptions(runtime, env),
        seed: opts.seed,
        deferMessaging: true,
        ...(opts.freePorts ? { port: 0 } : {}),
      });
      services.push(running);
      // Later services find earlier ones where they actually listen.
      env[`${name.toUpperCase()}_URL`] = running.url;
    }
    for (const running of services) await running.startMessaging();
    if (opts.console) {
      await building;
      const urls = Object.fromEntries(services.map((s) => [s.name, s.url]));
      webConsole = await startWebConsole(
        urls,
        opts.env,
        (msg) => log.info(msg),
        opts.freePorts ? 0 : undefined,
      );
    }
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }

  const readySeconds = (Date.now() - startedAt) / 1000;
  return {
    runtime,
    services,
    stop,
    consoleUrl: webConsole?.url ?? null,
    url(service) {
      const found = services.find((s) => s.name === service);
      if (!found) throw new Error(`service ${service} is not running`);
      return found.url;
    },
    printWelcome() {
      const lines = [
        '',
        `Dhanman is up (${runtime.mode}, ready in ${readySeconds.toFixed(1)} s)`,
        '',
        ...(webConsole ? [`  web console   ${webConsole.url}`, ''] : []),
        ...services.map((s) => `  ${s.name.padEnd(13)} ${s.url}   (docs: ${s.url}/docs)`),
        '',
        `Demo organization: ${DEMO_ORGANIZATION.name}`,
        // The default demo password is public (README); one set by the operator is never printed.
        `Demo logins (password: ${config.DHANMAN_DEMO_PASSWORD === DEFAULT_DEMO_PASSWORD ? DEFAULT_DEMO_PASSWORD : 'the one in DHANMAN_DEMO_PASSWORD'}), POST ${services.find((s) => s.name === 'common')?.url ?? ''}/api/auth/login:`,
        ...DEMO_USERS.map((u) => `  ${u.email.padEnd(32)} ${u.roles.join(', ')}`),
        `  ${DEMO_OPERATOR.email.padEnd(32)} operator (the platform's: every organization's operations)`,
        '',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    },
  };
}
