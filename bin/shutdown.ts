import type { Logger } from 'pino';

export interface ShutdownOptions {
  /** Exit (code 1) if stopping takes longer than this. */
  timeoutMs: number;
  /**
   * Also stop when the parent process goes away. For processes started by `npm start`/`npm run`:
   * npm hands a SIGTERM to the `sh` between it and us, `sh` dies of it and we would run on as an
   * orphan holding the ports (npm/cli#6684). Elsewhere an orphan is usually meant (`nohup`,
   * `setsid`), so the caller turns it on only when npm started the process.
   */
  watchParent: boolean;
}

/** How often the parent is checked when `watchParent` is on. */
const PARENT_CHECK_MS = 500;

/**
 * Stops the process cleanly on SIGTERM/SIGINT, or when the parent that started it is gone: stop
 * taking work, let in-flight work finish, close connections. A second signal, or the timeout,
 * forces the exit.
 */
export function onShutdownSignal(stop: () => Promise<void>, log: Logger, opts: ShutdownOptions): void {
  let stopping = false;
  let parentWatch: NodeJS.Timeout | undefined;
  const shutDown = (why: Record<string, unknown>) => {
    clearInterval(parentWatch);
    stopping = true;
    log.info(why, 'shutting down');
    const timer = setTimeout(() => {
      log.error({ timeoutMs: opts.timeoutMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, opts.timeoutMs);
    timer.unref();
    stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    shutDown({ signal });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  if (opts.watchParent) {
    const parent = process.ppid;
    parentWatch = setInterval(() => {
      if (process.ppid !== parent) shutDown({ parentExited: parent });
    }, PARENT_CHECK_MS);
    parentWatch.unref();
  }
}
