import { systemStartOptions } from '../../../bin/system.js';
import { startService } from '#platform/host/start-service.js';
import { commonService } from '#services/common/index.js';
import type { TestSystem } from '../../support/system.js';

/**
 * Stops Common inside a running test system; the returned function starts it again, once, on the
 * same port and runtime (the other services keep running and find it where it was).
 */
export async function stopCommon(system: TestSystem): Promise<() => Promise<void>> {
  const index = system.services.findIndex((s) => s.name === 'common');
  const running = system.services[index];
  if (!running) throw new Error('common is not running in this system');
  await running.stop();
  let restarted = false;
  return async () => {
    if (restarted) return;
    restarted = true;
    system.services[index] = await startService(commonService, {
      ...systemStartOptions(system.runtime, system.env),
      port: running.port,
    });
  };
}

export async function restartCommon(system: TestSystem): Promise<void> {
  await (
    await stopCommon(system)
  )();
}
