import { runConformanceSuite } from './conformance.js';
import { openPostgresBus } from './test-bus.js';

const retryDelaysMs = [50, 100, 150];
const deliveryLimit = 3;

// The in-process transport keeps its queues in whatever database it is given: PostgreSQL too.
runConformanceSuite('in-process transport on PostgreSQL', async () => {
  const bus = await openPostgresBus({ retryDelaysMs, leaseMs: 400, pollIntervalMs: 200 });
  return bus.environment(deliveryLimit);
});
