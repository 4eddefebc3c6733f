import { runConformanceSuite } from './conformance.js';
import { openEmbeddedBus } from './test-bus.js';

const retryDelaysMs = [50, 100, 150];
const deliveryLimit = 3;

runConformanceSuite('in-process transport on PGlite', async () => {
  const bus = await openEmbeddedBus({
    retryDelaysMs,
    // A short lease: a "crashed" consumer's message comes back quickly.
    leaseMs: 400,
    pollIntervalMs: 200,
  });
  return bus.environment(deliveryLimit);
});
